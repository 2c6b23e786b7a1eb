//! A planned camp's application forms (Annexure 1) on A4: the camp on every page, family by
//! family (a family that fits on a page is not split), each member of working age a block with
//! what Samagra already holds printed and boxes for what the camp asks, and "page N of M".

use super::document::{A4, Align, Document, GREY, LIGHT, Page, Rgb, Style};
use super::{Fonts, Label, PrintError};

/// The camp the forms are for; every value as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormsCamp {
    pub camp_id: String,
    pub place_hi: String,
    pub place_en: String,
    /// DD-MM-YYYY.
    pub date: String,
    pub families: Vec<FormFamily>,
}

/// A Samagra family and its members of working age, in the order they are printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFamily {
    pub family_id: String,
    pub address_hi: String,
    pub address_en: String,
    pub members: Vec<FormMember>,
}

/// What Samagra holds about a member, as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormMember {
    pub member_id: String,
    pub name_hi: String,
    pub name_en: String,
    /// Father's or husband's name.
    pub guardian_hi: String,
    pub guardian_en: String,
    pub gender_hi: String,
    pub gender_en: String,
    /// DD-MM-YYYY, or however Samagra's estimate is written.
    pub birth: String,
    pub age: String,
}

/// The forms' labels, in Hindi and English. `page` holds `{page}` and `{pages}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormLabels {
    pub title: Label,
    pub camp: Label,
    pub place: Label,
    pub date: Label,
    pub family_id: Label,
    pub address: Label,
    pub continued: Label,
    pub member_id: Label,
    pub name_hi: Label,
    pub name_en: Label,
    pub guardian: Label,
    pub gender: Label,
    pub birth_age: Label,
    pub occupation: Label,
    pub mobile: Label,
    pub aadhaar: Label,
    pub ifsc: Label,
    pub returned_migrant: Label,
    pub yes: Label,
    pub no: Label,
    pub state_worked_in: Label,
    pub signature: Label,
    pub consent: Label,
    pub page: Label,
}

impl FormLabels {
    /// The labels from the server's texts (`data/pages.json`, `page.forms.*`).
    pub fn from_texts() -> Self {
        Self {
            title: Label::from_key("page.forms.title"),
            camp: Label::from_key("page.forms.camp"),
            place: Label::from_key("page.forms.place"),
            date: Label::from_key("page.forms.date"),
            family_id: Label::from_key("page.forms.family_id"),
            address: Label::from_key("page.forms.address"),
            continued: Label::from_key("page.forms.continued"),
            member_id: Label::from_key("page.forms.member_id"),
            name_hi: Label::from_key("page.forms.name_hi"),
            name_en: Label::from_key("page.forms.name_en"),
            guardian: Label::from_key("page.forms.guardian"),
            gender: Label::from_key("page.forms.gender"),
            birth_age: Label::from_key("page.forms.birth_age"),
            occupation: Label::from_key("page.forms.occupation"),
            mobile: Label::from_key("page.forms.mobile"),
            aadhaar: Label::from_key("page.forms.aadhaar"),
            ifsc: Label::from_key("page.forms.ifsc"),
            returned_migrant: Label::from_key("page.forms.returned_migrant"),
            yes: Label::from_key("page.forms.yes"),
            no: Label::from_key("page.forms.no"),
            state_worked_in: Label::from_key("page.forms.state_worked_in"),
            signature: Label::from_key("page.forms.signature"),
            consent: Label::from_key("page.forms.consent"),
            page: Label::from_key("page.forms.page"),
        }
    }
}

const MARGIN: f32 = 12.0;
const WIDTH: f32 = A4.0 - 2.0 * MARGIN;
/// Where families start below the camp's header, and where they must end above the footer.
const BODY_TOP: f32 = 32.0;
const BODY_BOTTOM: f32 = A4.1 - MARGIN - 7.0;
const FAMILY_HEIGHT: f32 = 14.0;
const MEMBER_HEIGHT: f32 = 45.5;
/// One row of a member's block: a label over its value or its boxes.
const ROW: f32 = 7.6;
const SIGNATURE_WIDTH: f32 = 34.0;

const FAMILY_TINT: Rgb = Rgb(0.93, 0.95, 1.0);

/// What goes where on a page.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    Family { family: usize, continued: bool },
    Member { family: usize, member: usize },
}

/// The camp's forms as a PDF.
pub fn application_forms_pdf(
    fonts: &Fonts,
    labels: &FormLabels,
    camp: &FormsCamp,
) -> Result<Vec<u8>, PrintError> {
    let pages = paginate(camp);
    if pages.is_empty() {
        return Err(PrintError::Nothing {
            what: "no members of working age",
        });
    }
    let mut doc = Document::new(fonts, &labels.title.en)?;
    let count = pages.len();
    for (number, pieces) in pages.iter().enumerate() {
        doc.page(A4, |page| {
            header(page, labels, camp);
            let mut y = BODY_TOP;
            for piece in pieces {
                match *piece {
                    Piece::Family { family, continued } => {
                        family_header(page, y, labels, &camp.families[family], continued);
                        y += FAMILY_HEIGHT;
                    }
                    Piece::Member { family, member } => {
                        let member = &camp.families[family].members[member];
                        member_block(page, y, labels, member);
                        y += MEMBER_HEIGHT;
                    }
                }
            }
            footer(page, labels, number + 1, count);
        });
    }
    doc.finish()
}

/// The pages' pieces: a family starts on a new page when it would fit on one but not in what
/// is left of this one; one longer than a page runs on, its header repeated as continued.
fn paginate(camp: &FormsCamp) -> Vec<Vec<Piece>> {
    let mut pages: Vec<Vec<Piece>> = Vec::new();
    let mut y = BODY_BOTTOM;
    for (family, f) in camp.families.iter().enumerate() {
        if f.members.is_empty() {
            continue;
        }
        let height = FAMILY_HEIGHT + f.members.len() as f32 * MEMBER_HEIGHT;
        let fits_a_page = height <= BODY_BOTTOM - BODY_TOP;
        let room = BODY_BOTTOM - y;
        if (fits_a_page && height > room) || FAMILY_HEIGHT + MEMBER_HEIGHT > room {
            pages.push(Vec::new());
            y = BODY_TOP;
        }
        let add = |pages: &mut Vec<Vec<Piece>>, piece| {
            if let Some(page) = pages.last_mut() {
                page.push(piece);
            }
        };
        add(
            &mut pages,
            Piece::Family {
                family,
                continued: false,
            },
        );
        y += FAMILY_HEIGHT;
        for member in 0..f.members.len() {
            if y + MEMBER_HEIGHT > BODY_BOTTOM {
                pages.push(Vec::new());
                y = BODY_TOP;
                add(
                    &mut pages,
                    Piece::Family {
                        family,
                        continued: true,
                    },
                );
                y += FAMILY_HEIGHT;
            }
            add(&mut pages, Piece::Member { family, member });
            y += MEMBER_HEIGHT;
        }
    }
    pages
}

fn both(label: &Label) -> String {
    format!("{} / {}", label.hi, label.en)
}

fn header(page: &mut Page, labels: &FormLabels, camp: &FormsCamp) {
    let left = MARGIN;
    page.text_within(
        (left, 17.0),
        WIDTH,
        Align::Centre,
        Style::bold(12.0),
        &labels.title.hi,
    );
    page.text_within(
        (left, 21.8),
        WIDTH,
        Align::Centre,
        Style::bold(9.0),
        &labels.title.en,
    );
    let label = Style::regular(6.5).in_colour(GREY);
    let value = Style::bold(8.5);
    let place = format!("{} / {}", camp.place_hi, camp.place_en);
    let cells = [
        (&labels.camp, camp.camp_id.as_str(), 50.0),
        (&labels.place, place.as_str(), 96.0),
        (&labels.date, camp.date.as_str(), 40.0),
    ];
    let mut x = left;
    for (name, text, width) in cells {
        page.text_within((x, 25.0), width - 2.0, Align::Left, label, &both(name));
        page.text_within((x, 28.6), width - 2.0, Align::Left, value, text);
        x += width;
    }
    page.line((left, 30.3), (left + WIDTH, 30.3), 0.8, Rgb(0.2, 0.2, 0.2));
}

fn footer(page: &mut Page, labels: &FormLabels, number: usize, count: usize) {
    let fill = |template: &str| {
        template
            .replace("{page}", &number.to_string())
            .replace("{pages}", &count.to_string())
    };
    let text = format!("{}  ·  {}", fill(&labels.page.hi), fill(&labels.page.en));
    let style = Style::regular(7.5).in_colour(GREY);
    page.text_within((MARGIN, A4.1 - MARGIN), WIDTH, Align::Centre, style, &text);
}

fn family_header(
    page: &mut Page,
    y: f32,
    labels: &FormLabels,
    family: &FormFamily,
    continued: bool,
) {
    page.fill_rect((MARGIN, y), (WIDTH, FAMILY_HEIGHT - 2.0), FAMILY_TINT);
    let x = MARGIN + 2.0;
    let width = WIDTH - 4.0;
    let mut id = format!("{}: {}", both(&labels.family_id), family.family_id);
    if continued {
        id = format!("{id}   {}", both(&labels.continued));
    }
    page.text_within((x, y + 4.8), width, Align::Left, Style::bold(9.0), &id);
    let address = format!(
        "{}: {} / {}",
        both(&labels.address),
        family.address_hi,
        family.address_en
    );
    page.text_within(
        (x, y + 9.9),
        width,
        Align::Left,
        Style::regular(8.0),
        &address,
    );
}

/// A label over its value, `width` wide, the row starting at `top`.
fn cell(page: &mut Page, (x, top): (f32, f32), width: f32, label: &Label, value: &str) {
    let small = Style::regular(5.8).in_colour(GREY);
    page.text_within(
        (x, top + 2.6),
        width - 1.5,
        Align::Left,
        small,
        &both(label),
    );
    page.text_within(
        (x, top + 6.4),
        width - 1.5,
        Align::Left,
        Style::bold(9.0),
        value,
    );
}

/// A label over a line to write on.
fn blank(page: &mut Page, (x, top): (f32, f32), width: f32, label: &Label) {
    let small = Style::regular(5.8).in_colour(GREY);
    page.text_within(
        (x, top + 2.6),
        width - 1.5,
        Align::Left,
        small,
        &both(label),
    );
    page.line((x, top + 6.8), (x + width - 3.0, top + 6.8), 0.5, LIGHT);
}

/// A label over `count` boxes of one character each, after `prefix` (printed, not to fill).
fn boxes(
    page: &mut Page,
    (x, top): (f32, f32),
    width: f32,
    label: &Label,
    prefix: &str,
    count: usize,
) {
    let small = Style::regular(5.8).in_colour(GREY);
    page.text_within(
        (x, top + 2.6),
        width - 1.5,
        Align::Left,
        small,
        &both(label),
    );
    let mut at = x;
    if !prefix.is_empty() {
        at += page.text(x, top + 6.4, Style::regular(9.0).in_colour(GREY), prefix) + 1.0;
    }
    let side = 4.4;
    for i in 0..count {
        page.stroke_rect((at + i as f32 * side, top + 3.2), (side, side), 0.5, GREY);
    }
}

fn member_block(page: &mut Page, top: f32, labels: &FormLabels, member: &FormMember) {
    let height = MEMBER_HEIGHT - 1.5;
    page.stroke_rect((MARGIN, top), (WIDTH, height), 0.6, GREY);
    let x = MARGIN + 2.0;
    let y = top + 0.8;
    let rows: [f32; 5] = std::array::from_fn(|i| y + i as f32 * ROW);

    cell(
        page,
        (x, rows[0]),
        38.0,
        &labels.member_id,
        &member.member_id,
    );
    cell(
        page,
        (x + 38.0, rows[0]),
        54.0,
        &labels.name_hi,
        &member.name_hi,
    );
    cell(
        page,
        (x + 92.0, rows[0]),
        54.0,
        &labels.name_en,
        &member.name_en,
    );

    let guardian = format!("{} / {}", member.guardian_hi, member.guardian_en);
    let gender = format!("{} / {}", member.gender_hi, member.gender_en);
    let birth = format!("{} ({})", member.birth, member.age);
    cell(page, (x, rows[1]), 76.0, &labels.guardian, &guardian);
    cell(page, (x + 76.0, rows[1]), 32.0, &labels.gender, &gender);
    cell(page, (x + 108.0, rows[1]), 38.0, &labels.birth_age, &birth);

    let rule = rows[2] - 0.4;
    page.line((x, rule), (x + 146.0, rule), 0.4, LIGHT);
    blank(page, (x, rows[2]), 84.0, &labels.occupation);
    boxes(page, (x + 84.0, rows[2]), 62.0, &labels.mobile, "", 10);
    boxes(page, (x, rows[3]), 84.0, &labels.aadhaar, "XXXX XXXX", 4);
    boxes(page, (x + 84.0, rows[3]), 62.0, &labels.ifsc, "", 11);

    let small = Style::regular(5.8).in_colour(GREY);
    page.text_within(
        (x, rows[4] + 2.6),
        60.0,
        Align::Left,
        small,
        &both(&labels.returned_migrant),
    );
    let mut at = x;
    for answer in [&labels.yes, &labels.no] {
        page.stroke_rect((at, rows[4] + 3.4), (3.4, 3.4), 0.5, GREY);
        at += 4.4 + page.text(at + 4.4, rows[4] + 6.4, Style::regular(8.0), &both(answer)) + 4.0;
    }
    blank(page, (x + 60.0, rows[4]), 86.0, &labels.state_worked_in);

    let consent = Style::regular(6.0).in_colour(GREY);
    page.text_within(
        (x, top + height - 1.6),
        146.0,
        Align::Left,
        consent,
        &both(&labels.consent),
    );

    let sign_left = MARGIN + WIDTH - SIGNATURE_WIDTH - 2.0;
    let sign_top = top + 2.0;
    let sign_height = height - 4.0;
    page.stroke_rect(
        (sign_left, sign_top),
        (SIGNATURE_WIDTH, sign_height),
        0.6,
        GREY,
    );
    let caption = Style::regular(5.5).in_colour(GREY);
    let inner = SIGNATURE_WIDTH - 2.0;
    let bottom = sign_top + sign_height;
    page.text_within(
        (sign_left + 1.0, bottom - 4.2),
        inner,
        Align::Centre,
        caption,
        &labels.signature.hi,
    );
    page.text_within(
        (sign_left + 1.0, bottom - 1.4),
        inner,
        Align::Centre,
        caption,
        &labels.signature.en,
    );
}
