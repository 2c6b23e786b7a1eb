//! Text into positioned glyphs: a text is split into runs by script (Devanagari or Latin; digits,
//! spaces and punctuation join the run they sit in when its font has them) and each run is shaped
//! by rustybuzz with its font, so that conjuncts form and matras reorder as the font's OpenType
//! tables say.

use super::PrintError;
use super::fonts::{FontId, Fonts, Script, Weight};
use rustybuzz::{Direction, Face, Language, UnicodeBuffer};
use std::collections::HashMap;
use std::rc::Rc;
use std::str::FromStr;

/// A glyph as the shaper placed it; lengths in thousandths of the font size (PDF glyph space).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Glyph {
    /// The glyph's id in its font (not yet the subset's).
    pub id: u16,
    /// Where the cluster this glyph belongs to starts in the run's text (a byte offset).
    pub cluster: usize,
    /// How far the pen moves after the glyph.
    pub advance: f32,
    /// Where the glyph is drawn from the pen, rightwards and upwards.
    pub dx: f32,
    pub dy: f32,
}

/// Text in one font, shaped: glyphs in visual order (left to right).
#[derive(Debug)]
pub(crate) struct Run {
    pub font: FontId,
    pub text: String,
    pub glyphs: Vec<Glyph>,
    pub width: f32,
}

impl Run {
    /// The text the cluster starting at `cluster` stands for.
    pub fn cluster_text(&self, cluster: usize) -> &str {
        let end = self
            .glyphs
            .iter()
            .map(|g| g.cluster)
            .filter(|&c| c > cluster)
            .min()
            .unwrap_or(self.text.len());
        &self.text[cluster..end]
    }
}

/// One line of text, shaped: its runs left to right.
#[derive(Debug)]
pub(crate) struct Line {
    pub runs: Vec<Run>,
    /// The advance of the whole line, in thousandths of the font size.
    pub width: f32,
}

/// The four fonts ready to shape, and the lines shaped so far (forms repeat their labels on
/// every member's block).
pub(crate) struct Shaper<'f> {
    fonts: &'f Fonts,
    faces: Vec<Face<'f>>,
    lines: HashMap<(String, Weight), Rc<Line>>,
}

impl<'f> Shaper<'f> {
    pub fn new(fonts: &'f Fonts) -> Result<Self, PrintError> {
        let faces = FontId::ALL
            .iter()
            .map(|&font| {
                Face::from_slice(fonts.data(font), 0).ok_or_else(|| PrintError::FontUnusable {
                    path: font.file().into(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            fonts,
            faces,
            lines: HashMap::new(),
        })
    }

    pub fn face(&self, font: FontId) -> &Face<'f> {
        &self.faces[font.0]
    }

    /// The font file's bytes, for embedding.
    pub fn data(&self, font: FontId) -> &'f [u8] {
        self.fonts.data(font)
    }

    /// `text` shaped in `weight`.
    pub fn line(&mut self, text: &str, weight: Weight) -> Rc<Line> {
        if let Some(line) = self.lines.get(&(text.to_owned(), weight)) {
            return line.clone();
        }
        let runs: Vec<Run> = self
            .runs(text, weight)
            .into_iter()
            .map(|(font, range)| self.shape(font, &text[range]))
            .collect();
        let width = runs.iter().map(|r| r.width).sum();
        let line = Rc::new(Line { runs, width });
        self.lines.insert((text.to_owned(), weight), line.clone());
        line
    }

    fn covers(&self, font: FontId, c: char) -> bool {
        self.faces[font.0].glyph_index(c).is_some()
    }

    /// The text's runs by font: each letter goes to its script's font; anything else (spaces,
    /// digits, punctuation, joiners, marks) stays with the run before it (at the start, the
    /// first letter's) when that font has it, else goes to the other font.
    fn runs(&self, text: &str, weight: Weight) -> Vec<(FontId, std::ops::Range<usize>)> {
        let other = |s| match s {
            Script::Devanagari => Script::Latin,
            Script::Latin => Script::Devanagari,
        };
        let mut current = text.chars().find_map(script_of).unwrap_or(Script::Latin);
        let mut runs: Vec<(FontId, std::ops::Range<usize>)> = Vec::new();
        for (at, c) in text.char_indices() {
            let script = script_of(c).unwrap_or_else(|| {
                let fallback = other(current);
                if !self.covers(FontId::of(current, weight), c)
                    && self.covers(FontId::of(fallback, weight), c)
                {
                    fallback
                } else {
                    current
                }
            });
            let font = FontId::of(script, weight);
            let end = at + c.len_utf8();
            match runs.last_mut() {
                Some((last, range)) if *last == font => range.end = end,
                _ => runs.push((font, at..end)),
            }
            current = script;
        }
        runs
    }

    fn shape(&self, font: FontId, text: &str) -> Run {
        let face = &self.faces[font.0];
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(Direction::LeftToRight);
        let (script, language) = match font.script() {
            Script::Devanagari => (rustybuzz::script::DEVANAGARI, "hi"),
            Script::Latin => (rustybuzz::script::LATIN, "en"),
        };
        buffer.set_script(script);
        if let Ok(language) = Language::from_str(language) {
            buffer.set_language(language);
        }
        let shaped = rustybuzz::shape(face, &[], buffer);
        let scale = 1000.0 / face.units_per_em() as f32;
        let glyphs: Vec<Glyph> = shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .map(|(info, pos)| Glyph {
                id: u16::try_from(info.glyph_id).unwrap_or(0),
                cluster: info.cluster as usize,
                advance: pos.x_advance as f32 * scale,
                dx: pos.x_offset as f32 * scale,
                dy: pos.y_offset as f32 * scale,
            })
            .collect();
        Run {
            font,
            text: text.to_owned(),
            width: glyphs.iter().map(|g| g.advance).sum(),
            glyphs,
        }
    }
}

/// The script a character is written in, or `None` for those every script uses.
fn script_of(c: char) -> Option<Script> {
    match c {
        '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{1CD0}'..='\u{1CFF}' => {
            Some(Script::Devanagari)
        }
        c if c.is_alphabetic() => Some(Script::Latin),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::fonts::DEFAULT_FONT_DIR;
    use std::path::Path;

    fn fonts() -> Fonts {
        Fonts::load(Path::new(DEFAULT_FONT_DIR))
            .expect("the Noto fonts: apt-get install fonts-noto-core")
    }

    fn glyphs(shaper: &mut Shaper, text: &str) -> Vec<Glyph> {
        let line = shaper.line(text, Weight::Regular);
        assert_eq!(line.runs.len(), 1, "{text} is one run");
        assert_eq!(
            line.runs[0].font,
            FontId::of(Script::Devanagari, Weight::Regular)
        );
        line.runs[0].glyphs.clone()
    }

    #[test]
    fn conjuncts_are_fewer_glyphs_than_characters() {
        let fonts = fonts();
        let mut shaper = Shaper::new(&fonts).unwrap();
        for text in ["क्ष", "स्त्री", "लक्ष्मी"] {
            let glyphs = glyphs(&mut shaper, text);
            let chars = text.chars().count();
            assert!(
                glyphs.len() < chars,
                "{text}: {} glyphs for {chars} characters",
                glyphs.len()
            );
            assert!(glyphs.iter().all(|g| g.id != 0), "{text}: no missing glyph");
        }
        // क्ष is one conjunct glyph, neither क nor ष.
        let ksha = glyphs(&mut shaper, "क्ष");
        let face = shaper.face(FontId::of(Script::Devanagari, Weight::Regular));
        let ka = face.glyph_index('क').unwrap().0;
        let ssa = face.glyph_index('ष').unwrap().0;
        assert_eq!(ksha.len(), 1);
        assert!(ksha[0].id != ka && ksha[0].id != ssa);
    }

    #[test]
    fn the_short_i_matra_is_drawn_before_its_consonant() {
        let fonts = fonts();
        let mut shaper = Shaper::new(&fonts).unwrap();
        let ki = glyphs(&mut shaper, "कि");
        let face = shaper.face(FontId::of(Script::Devanagari, Weight::Regular));
        let ka = face.glyph_index('क').unwrap().0;
        assert_eq!(ki.len(), 2);
        assert_eq!(ki[1].id, ka, "क comes second, after the matra");
        assert_ne!(ki[0].id, ka);
        // Drawn left of क: the matra's pen position plus its offset is left of क's.
        let matra_x = ki[0].dx;
        let ka_x = ki[0].advance + ki[1].dx;
        assert!(matra_x < ka_x);
        // Both glyphs stand for the one cluster कि.
        let line = shaper.line("कि", Weight::Regular);
        assert_eq!(line.runs[0].cluster_text(0), "कि");
    }

    #[test]
    fn hindi_and_english_in_one_text_are_set_in_their_own_fonts() {
        let fonts = fonts();
        let mut shaper = Shaper::new(&fonts).unwrap();
        let line = shaper.line("कृषि मज़दूर / Agricultural labour 12", Weight::Bold);
        let runs: Vec<(FontId, &str)> = line
            .runs
            .iter()
            .map(|r| (r.font, r.text.as_str()))
            .collect();
        assert_eq!(
            runs,
            [
                (FontId::of(Script::Devanagari, Weight::Bold), "कृषि मज़दूर / "),
                (
                    FontId::of(Script::Latin, Weight::Bold),
                    "Agricultural labour 12"
                ),
            ]
        );
        assert!(line.runs.iter().all(|r| r.glyphs.iter().all(|g| g.id != 0)));
        // A sign the Devanagari font lacks goes to the Latin font.
        let line = shaper.line("राम@गाँव", Weight::Regular);
        assert_eq!(line.runs.len(), 3);
        assert_eq!(line.runs[1].text, "@");
    }
}
