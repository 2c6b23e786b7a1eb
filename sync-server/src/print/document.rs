//! The PDF itself: pages drawn in millimetres from their top left corner; text shaped and set
//! in embedded subsets of the fonts (Type0 / CIDFontType2, Identity-H, the shaper's glyph ids
//! and positions) with its Unicode kept (`/ActualText` per text, a ToUnicode map per font) so
//! that it can be searched and copied; rectangles, lines and QR codes as vector paths.

use super::PrintError;
use super::fonts::{FontId, Fonts, Weight};
use super::shape::Shaper;
use flate2::Compression;
use flate2::write::ZlibEncoder;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, QrCode};
use std::collections::BTreeMap;
use std::io::Write;

/// Points per millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;

/// A4 portrait, in millimetres.
pub(crate) const A4: (f32, f32) = (210.0, 297.0);

/// Text never shrinks below this share of its size to fit; beyond, it is narrowed instead.
const SMALLEST_SHARE: f32 = 0.7;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rgb(pub f32, pub f32, pub f32);

pub(crate) const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
pub(crate) const GREY: Rgb = Rgb(0.35, 0.35, 0.35);
pub(crate) const LIGHT: Rgb = Rgb(0.7, 0.7, 0.7);

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    /// In points.
    pub size: f32,
    pub weight: Weight,
    pub color: Rgb,
}

impl Style {
    pub const fn regular(size: f32) -> Self {
        Self {
            size,
            weight: Weight::Regular,
            color: BLACK,
        }
    }

    pub const fn bold(size: f32) -> Self {
        Self {
            size,
            weight: Weight::Bold,
            color: BLACK,
        }
    }

    pub const fn in_colour(self, color: Rgb) -> Self {
        Self { color, ..self }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
}

/// A PDF being drawn: the shaper, the glyphs each font has used so far (the subsets to embed),
/// and the pages drawn.
pub(crate) struct Document<'f> {
    shaper: Shaper<'f>,
    fonts: [UsedFont; 4],
    pages: Vec<DrawnPage>,
    title: String,
}

#[derive(Default)]
struct UsedFont {
    /// The font's glyph ids to the subset's, which are also the CIDs the pages show.
    subset: subsetter::GlyphRemapper,
    /// What each CID stands for, from the first cluster it was seen starting.
    unicode: BTreeMap<u16, String>,
    used: bool,
}

struct DrawnPage {
    size: (f32, f32),
    content: Vec<u8>,
}

impl<'f> Document<'f> {
    pub fn new(fonts: &'f Fonts, title: &str) -> Result<Self, PrintError> {
        Ok(Self {
            shaper: Shaper::new(fonts)?,
            fonts: Default::default(),
            pages: Vec::new(),
            title: title.to_owned(),
        })
    }

    /// The width of `text` in `style`, in millimetres.
    pub fn width(&mut self, style: Style, text: &str) -> f32 {
        self.shaper.line(text, style.weight).width * style.size / 1000.0 / MM
    }

    /// Adds a page of `size` (millimetres) that `draw` fills.
    pub fn page(&mut self, size: (f32, f32), draw: impl FnOnce(&mut Page<'_, 'f>)) {
        let mut page = Page {
            doc: self,
            content: Content::new(),
            size,
        };
        draw(&mut page);
        let content = page.content.finish().to_vec();
        self.pages.push(DrawnPage { size, content });
    }

    /// The PDF's bytes: pages, then the fonts as subsets of the glyphs the pages used.
    pub fn finish(self) -> Result<Vec<u8>, PrintError> {
        let mut pdf = Pdf::new();
        let mut next = Ref::new(1);
        let catalog = next.bump();
        let tree = next.bump();
        let info = next.bump();
        let font_refs: Vec<Option<Ref>> = self
            .fonts
            .iter()
            .map(|f| f.used.then(|| next.bump()))
            .collect();
        let page_refs: Vec<(Ref, Ref)> = self
            .pages
            .iter()
            .map(|_| (next.bump(), next.bump()))
            .collect();

        pdf.catalog(catalog).pages(tree).lang(TextStr("hi-IN"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Panjiyan"));
        pdf.pages(tree)
            .kids(page_refs.iter().map(|&(page, _)| page))
            .count(page_refs.len() as i32);
        for (drawn, &(page_ref, content_ref)) in self.pages.iter().zip(&page_refs) {
            let mut page = pdf.page(page_ref);
            page.parent(tree)
                .media_box(Rect::new(0.0, 0.0, drawn.size.0 * MM, drawn.size.1 * MM))
                .contents(content_ref);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            for (font, font_ref) in FontId::ALL.iter().zip(&font_refs) {
                if let Some(font_ref) = font_ref {
                    fonts.pair(Name(font_name(*font).as_bytes()), *font_ref);
                }
            }
            fonts.finish();
            resources.finish();
            page.finish();
            pdf.stream(content_ref, &deflate(&drawn.content))
                .filter(Filter::FlateDecode);
        }
        for ((font, used), font_ref) in FontId::ALL.iter().zip(&self.fonts).zip(&font_refs) {
            if let Some(font_ref) = font_ref {
                self.embed(&mut pdf, &mut next, *font, used, *font_ref)?;
            }
        }
        Ok(pdf.finish())
    }

    /// Writes `font` as a Type0 font over a CIDFontType2 holding the subset of the glyphs used.
    fn embed(
        &self,
        pdf: &mut Pdf,
        next: &mut Ref,
        font: FontId,
        used: &UsedFont,
        type0: Ref,
    ) -> Result<(), PrintError> {
        let face = self.shaper.face(font);
        let subset = subsetter::subset(self.shaper.data(font), 0, &used.subset)
            .map_err(|_| PrintError::FontSubset { font: font.file() })?;
        let (cid_ref, descriptor_ref, file_ref, cmap_ref) =
            (next.bump(), next.bump(), next.bump(), next.bump());
        let stem = font.file().trim_end_matches(".ttf");
        let base = format!("{}+{stem}", font.subset_tag());
        let base = Name(base.as_bytes());
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let per_mille = |v: f32| v * 1000.0 / face.units_per_em() as f32;

        pdf.type0_font(type0)
            .base_font(base)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let widths: Vec<f32> = used
            .subset
            .remapped_gids()
            .map(|gid| {
                per_mille(f32::from(
                    face.glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(gid))
                        .unwrap_or(0),
                ))
            })
            .collect();
        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(base)
            .system_info(system)
            .font_descriptor(descriptor_ref)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        let bbox = face.global_bounding_box();
        let ascent = per_mille(f32::from(face.ascender()));
        let descent = per_mille(f32::from(face.descender()));
        let cap_height = face
            .capital_height()
            .map_or(ascent, |h| per_mille(f32::from(h)));
        let weight = f32::from(face.weight().to_number());
        pdf.font_descriptor(descriptor_ref)
            .name(base)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                per_mille(f32::from(bbox.x_min)),
                per_mille(f32::from(bbox.y_min)),
                per_mille(f32::from(bbox.x_max)),
                per_mille(f32::from(bbox.y_max)),
            ))
            .italic_angle(0.0)
            .ascent(ascent)
            .descent(descent)
            .cap_height(cap_height)
            // PDF asks for the stems' width, which a TrueType font does not state: estimated
            // from the weight as typst does (it only guides readers that substitute fonts).
            .stem_v(10.0 + 0.244 * (weight - 50.0))
            .font_file2(file_ref);

        pdf.stream(file_ref, &deflate(&subset))
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system);
        for (cid, text) in &used.unicode {
            cmap.pair_with_multiple(*cid, text.chars());
        }
        pdf.cmap(cmap_ref, &deflate(cmap.finish().as_slice()))
            .filter(Filter::FlateDecode);
        Ok(())
    }
}

/// A page being drawn. Lengths are millimetres; `y` runs down from the top edge.
pub(crate) struct Page<'d, 'f> {
    doc: &'d mut Document<'f>,
    content: Content,
    size: (f32, f32),
}

impl Page<'_, '_> {
    fn point(&self, x: f32, y: f32) -> (f32, f32) {
        (x * MM, (self.size.1 - y) * MM)
    }

    /// The width of `text` in `style`, in millimetres.
    pub fn width(&mut self, style: Style, text: &str) -> f32 {
        self.doc.width(style, text)
    }

    /// Sets `text` with its baseline at `y`, starting at `x`; the width it took.
    pub fn text(&mut self, x: f32, y: f32, style: Style, text: &str) -> f32 {
        self.set(x, y, style, 1.0, text)
    }

    /// Sets `text` within `width` from `x`, aligned. Too wide, it is set smaller, down to 70%
    /// of its size, and then narrowed, so that it never runs over its box; the width it took.
    pub fn text_within(
        &mut self,
        (x, y): (f32, f32),
        width: f32,
        align: Align,
        style: Style,
        text: &str,
    ) -> f32 {
        let natural = self.width(style, text);
        let (style, narrow, taken) = if natural <= width {
            (style, 1.0, natural)
        } else if natural * SMALLEST_SHARE <= width {
            let size = style.size * width / natural;
            (Style { size, ..style }, 1.0, width)
        } else {
            let size = style.size * SMALLEST_SHARE;
            let narrow = width / (natural * SMALLEST_SHARE);
            (Style { size, ..style }, narrow, width)
        };
        let start = match align {
            Align::Left => x,
            Align::Centre => x + (width - taken) / 2.0,
        };
        self.set(start, y, style, narrow, text)
    }

    fn set(&mut self, x: f32, y: f32, style: Style, narrow: f32, text: &str) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let line = self.doc.shaper.line(text, style.weight);
        let (mut pen, baseline) = self.point(x, y);
        let start = pen;
        let size = style.size;
        let c = &mut self.content;
        c.save_state();
        c.set_fill_rgb(style.color.0, style.color.1, style.color.2);
        c.begin_text();
        if narrow < 1.0 {
            c.set_horizontal_scaling(narrow * 100.0);
        }
        // Inside the text object, so that the font is still set where the span ends: readers
        // (poppler) place the actual text by the text state at `EMC`.
        c.begin_marked_content_with_properties(Name(b"Span"))
            .properties()
            .actual_text(TextStr(text));
        for run in &line.runs {
            let font = &mut self.doc.fonts[run.font.0];
            font.used = true;
            let face = self.doc.shaper.face(run.font);
            let upem = face.units_per_em() as f32;
            c.set_font(Name(font_name(run.font).as_bytes()), size);
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, pen, baseline]);
            let mut shown = Shown::default();
            let mut clusters_seen = std::collections::BTreeSet::new();
            for glyph in &run.glyphs {
                let cid = font.subset.remap(glyph.id);
                if clusters_seen.insert(glyph.cluster) {
                    font.unicode
                        .entry(cid)
                        .or_insert_with(|| run.cluster_text(glyph.cluster).to_owned());
                }
                let width = face
                    .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(glyph.id))
                    .map_or(0.0, |w| f32::from(w) * 1000.0 / upem);
                if glyph.dy != shown.rise {
                    shown.flush(c);
                    c.set_rise(glyph.dy * size / 1000.0);
                    shown.rise = glyph.dy;
                }
                // TJ moves the pen left by an adjustment and right by the glyph's width.
                shown.adjust(-glyph.dx);
                shown.items.push(Item::Glyph(cid));
                shown.adjust(glyph.dx + width - glyph.advance);
            }
            shown.flush(c);
            if shown.rise != 0.0 {
                c.set_rise(0.0);
            }
            pen += run.width * size / 1000.0 * narrow;
        }
        c.end_marked_content();
        c.end_text();
        c.restore_state();
        (pen - start) / MM
    }

    pub fn fill_rect(&mut self, (x, y): (f32, f32), (w, h): (f32, f32), color: Rgb) {
        let (px, py) = self.point(x, y + h);
        let c = &mut self.content;
        c.save_state();
        c.set_fill_rgb(color.0, color.1, color.2);
        c.rect(px, py, w * MM, h * MM);
        c.fill_nonzero();
        c.restore_state();
    }

    /// A rectangle's outline, `line` points wide.
    pub fn stroke_rect(&mut self, (x, y): (f32, f32), (w, h): (f32, f32), line: f32, color: Rgb) {
        let (px, py) = self.point(x, y + h);
        let c = &mut self.content;
        c.save_state();
        c.set_stroke_rgb(color.0, color.1, color.2);
        c.set_line_width(line);
        c.rect(px, py, w * MM, h * MM);
        c.stroke();
        c.restore_state();
    }

    /// A straight line, `line` points wide.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), line: f32, color: Rgb) {
        let (x1, y1) = self.point(from.0, from.1);
        let (x2, y2) = self.point(to.0, to.1);
        let c = &mut self.content;
        c.save_state();
        c.set_stroke_rgb(color.0, color.1, color.2);
        c.set_line_width(line);
        c.move_to(x1, y1);
        c.line_to(x2, y2);
        c.stroke();
        c.restore_state();
    }

    /// `code`'s modules as one filled path, the symbol `side` wide with its top left at `at`;
    /// the quiet zone around it is the caller's to keep clear.
    pub fn qr(&mut self, at: (f32, f32), side: f32, code: &QrCode) {
        let n = code.width();
        let module = side / n as f32 * MM;
        let (left, top) = self.point(at.0, at.1);
        let colors = code.to_colors();
        let c = &mut self.content;
        c.save_state();
        c.set_fill_rgb(0.0, 0.0, 0.0);
        for (row, modules) in colors.chunks(n).enumerate() {
            let mut col = 0;
            while col < n {
                if modules[col] != Color::Dark {
                    col += 1;
                    continue;
                }
                let from = col;
                while col < n && modules[col] == Color::Dark {
                    col += 1;
                }
                c.rect(
                    left + from as f32 * module,
                    top - (row + 1) as f32 * module,
                    (col - from) as f32 * module,
                    module,
                );
            }
        }
        c.fill_nonzero();
        c.restore_state();
    }
}

/// The glyphs and adjustments of one `TJ` being gathered, and the text rise they are shown at.
#[derive(Default)]
struct Shown {
    items: Vec<Item>,
    rise: f32,
}

enum Item {
    Glyph(u16),
    Adjust(f32),
}

impl Shown {
    fn adjust(&mut self, amount: f32) {
        if amount.abs() < 0.001 {
            return;
        }
        if let Some(Item::Adjust(last)) = self.items.last_mut() {
            *last += amount;
        } else {
            self.items.push(Item::Adjust(amount));
        }
    }

    fn flush(&mut self, c: &mut Content) {
        if self.items.is_empty() {
            return;
        }
        let mut show = c.show_positioned();
        let mut items = show.items();
        for item in self.items.drain(..) {
            match item {
                Item::Glyph(cid) => {
                    items.show(Str(&cid.to_be_bytes()));
                }
                Item::Adjust(amount) => {
                    items.adjust(amount);
                }
            }
        }
    }
}

fn font_name(font: FontId) -> &'static str {
    ["F0", "F1", "F2", "F3"][font.0]
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec cannot fail.
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}
