//! The registration card of an approved worker: name in Hindi and English, registration number,
//! occupation, date of approval, issuing office and a QR code of the signed statement; one card
//! per ID-1 page, or eight to an A4 sheet with cut marks for the panchayat to print a camp's
//! cards at once.

use super::document::{A4, Align, Document, GREY, Page, Rgb, Style};
use super::{Fonts, Label, PrintError};
use qrcode::{EcLevel, QrCode};

/// One approved worker's card; every value as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub name_hi: String,
    pub name_en: String,
    pub registration_number: String,
    pub occupation_hi: String,
    pub occupation_en: String,
    /// DD-MM-YYYY.
    pub approved_on: String,
    pub office_hi: String,
    pub office_en: String,
    /// The exact text the QR code holds (a signed statement of the registration).
    pub qr: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardLayout {
    /// One card per page, the page the card's size: ID-1, 85.6 × 54 mm.
    Single,
    /// A4 sheets of 2 × 4 cards with cut marks, as many sheets as the cards need.
    A4Eight,
}

/// The card's labels, in Hindi and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardLabels {
    pub title: Label,
    pub registration_number: Label,
    pub occupation: Label,
    pub approved_on: Label,
    pub office: Label,
    pub scan: Label,
}

impl CardLabels {
    /// The labels from the server's texts (`data/pages.json`, `page.card.*`).
    pub fn from_texts() -> Self {
        Self {
            title: Label::from_key("page.card.title"),
            registration_number: Label::from_key("page.card.registration_number"),
            occupation: Label::from_key("page.card.occupation"),
            approved_on: Label::from_key("page.card.approved_on"),
            office: Label::from_key("page.card.office"),
            scan: Label::from_key("page.card.scan"),
        }
    }
}

/// ID-1, in millimetres.
pub(crate) const CARD: (f32, f32) = (85.6, 54.0);

/// The QR symbol's side on the card (its quiet zone comes on top), in millimetres.
const QR_SIDE: f32 = 27.0;

/// Between neighbouring cards on an A4 sheet, where the cut marks go.
const GUTTER: f32 = 6.0;

const HEADER_TINT: Rgb = Rgb(1.0, 0.92, 0.8);
const HEADER_RULE: Rgb = Rgb(0.85, 0.45, 0.1);

/// The cards as a PDF in `layout`.
pub fn cards_pdf(
    fonts: &Fonts,
    labels: &CardLabels,
    cards: &[Card],
    layout: CardLayout,
) -> Result<Vec<u8>, PrintError> {
    if cards.is_empty() {
        return Err(PrintError::Nothing { what: "no cards" });
    }
    let codes = cards
        .iter()
        .map(|card| {
            QrCode::with_error_correction_level(card.qr.as_bytes(), EcLevel::M).map_err(|_| {
                PrintError::QrTooLong {
                    bytes: card.qr.len(),
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut doc = Document::new(fonts, &labels.title.en)?;
    match layout {
        CardLayout::Single => {
            for (card, code) in cards.iter().zip(&codes) {
                doc.page(CARD, |page| draw_card(page, (0.0, 0.0), labels, card, code));
            }
        }
        CardLayout::A4Eight => {
            let (width, height) = (2.0 * CARD.0 + GUTTER, 4.0 * CARD.1 + 3.0 * GUTTER);
            let (left, top) = ((A4.0 - width) / 2.0, (A4.1 - height) / 2.0);
            let sheets = cards.chunks(8).zip(codes.chunks(8));
            for (cards, codes) in sheets {
                doc.page(A4, |page| {
                    for (i, (card, code)) in cards.iter().zip(codes).enumerate() {
                        let at = (
                            left + (i % 2) as f32 * (CARD.0 + GUTTER),
                            top + (i / 2) as f32 * (CARD.1 + GUTTER),
                        );
                        draw_card(page, at, labels, card, code);
                        cut_marks(page, at);
                    }
                });
            }
        }
    }
    doc.finish()
}

fn both(label: &Label) -> String {
    format!("{} / {}", label.hi, label.en)
}

/// One card with its top left corner at `(x, y)`.
fn draw_card(page: &mut Page, (x, y): (f32, f32), labels: &CardLabels, card: &Card, code: &QrCode) {
    let (width, _) = CARD;
    page.fill_rect((x, y), (width, 11.5), HEADER_TINT);
    page.line((x, y + 11.5), (x + width, y + 11.5), 0.8, HEADER_RULE);
    let inner = width - 6.0;
    page.text_within(
        (x + 3.0, y + 5.2),
        inner,
        Align::Centre,
        Style::bold(8.5),
        &labels.title.hi,
    );
    page.text_within(
        (x + 3.0, y + 9.4),
        inner,
        Align::Centre,
        Style::bold(6.0),
        &labels.title.en,
    );

    let column = 48.0;
    let left = x + 3.5;
    page.text_within(
        (left, y + 18.5),
        column,
        Align::Left,
        Style::bold(12.0),
        &card.name_hi,
    );
    page.text_within(
        (left, y + 23.0),
        column,
        Align::Left,
        Style::bold(8.0),
        &card.name_en,
    );

    let label = Style::regular(5.0).in_colour(GREY);
    let field = |page: &mut Page, top: f32, name: &Label, value: &str, style: Style| {
        page.text_within((left, y + top), column, Align::Left, label, &both(name));
        page.text_within((left, y + top + 3.3), column, Align::Left, style, value);
    };
    field(
        page,
        27.0,
        &labels.registration_number,
        &card.registration_number,
        Style::bold(7.5),
    );
    let occupation = format!("{} / {}", card.occupation_hi, card.occupation_en);
    field(
        page,
        32.8,
        &labels.occupation,
        &occupation,
        Style::regular(7.0),
    );
    field(
        page,
        38.6,
        &labels.approved_on,
        &card.approved_on,
        Style::regular(7.0),
    );
    field(
        page,
        44.4,
        &labels.office,
        &card.office_hi,
        Style::regular(6.5),
    );
    page.text_within(
        (left, y + 50.6),
        column,
        Align::Left,
        Style::regular(6.0),
        &card.office_en,
    );

    let qr_left = x + width - 3.0 - QR_SIDE;
    page.qr((qr_left, y + 14.0), QR_SIDE, code);
    let caption = Style::regular(5.0).in_colour(GREY);
    page.text_within(
        (qr_left, y + 44.8),
        QR_SIDE,
        Align::Centre,
        caption,
        &labels.scan.hi,
    );
    page.text_within(
        (qr_left, y + 47.6),
        QR_SIDE,
        Align::Centre,
        caption,
        &labels.scan.en,
    );
}

/// Marks at the card's corners, outside it, where the sheet is to be cut.
fn cut_marks(page: &mut Page, (x, y): (f32, f32)) {
    let (gap, length) = (1.0, 3.0);
    let colour = Rgb(0.0, 0.0, 0.0);
    for cx in [x, x + CARD.0] {
        for cy in [y, y + CARD.1] {
            let outwards_x = if cx == x { -1.0 } else { 1.0 };
            let outwards_y = if cy == y { -1.0 } else { 1.0 };
            let (hx, vy) = (cx + outwards_x * gap, cy + outwards_y * gap);
            page.line((hx, cy), (hx + outwards_x * length, cy), 0.3, colour);
            page.line((cx, vy), (cx, vy + outwards_y * length), 0.3, colour);
        }
    }
}
