//! The PDFs as a person and a scanner meet them: rendered by poppler's pdftoppm into PNGs kept
//! in `target/print-samples/` for a person to look at, QR codes read back by zbarimg, text and
//! page sizes by pdftotext and pdfinfo (Debian's poppler-utils and zbar-tools).

use super::*;
use crate::harness::pdf::{decode, pdfinfo, pdftotext, render, samples};
use base64::Engine;
use std::path::Path;

fn fonts() -> Fonts {
    Fonts::load(Path::new(DEFAULT_FONT_DIR))
        .unwrap_or_else(|e| panic!("{e}: apt-get install fonts-noto-core"))
}

/// A signed statement as the QR holds it: about 200 characters of base64.
fn statement(n: u8) -> String {
    let bytes: Vec<u8> = (0..150u8)
        .map(|i| i.wrapping_mul(37).wrapping_add(n))
        .collect();
    format!(
        "PJY1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

const NAMES: [(&str, &str); 9] = [
    ("लक्ष्मी बाई कुशवाहा", "Laxmi Bai Kushwaha"),
    ("श्रीकृष्ण प्रजापति", "Shrikrishna Prajapati"),
    ("रुक्मिणी देवी", "Rukmini Devi"),
    ("क्षितिज त्रिपाठी", "Kshitij Tripathi"),
    ("प्रियंका अहिरवार", "Priyanka Ahirwar"),
    ("द्वारका प्रसाद", "Dwarka Prasad"),
    ("सूरज सिंह ठाकुर", "Suraj Singh Thakur"),
    ("ज्योति मालवीय", "Jyoti Malviya"),
    ("हरिश्चंद्र यादव", "Harishchandra Yadav"),
];

fn card(n: usize) -> Card {
    let (name_hi, name_en) = NAMES[n];
    Card {
        name_hi: name_hi.into(),
        name_en: name_en.into(),
        registration_number: format!("23-IND-2026-{:07}", 123 + n),
        occupation_hi: "कृषि मज़दूर".into(),
        occupation_en: "Agricultural labour".into(),
        approved_on: "02-12-2026".into(),
        office_hi: "मुख्य कार्यपालन अधिकारी, जनपद पंचायत इंदौर".into(),
        office_en: "Chief Executive Officer, Janpad Panchayat Indore".into(),
        qr: statement(n as u8),
    }
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 0.1
}

#[test]
fn a_single_card_is_id_1_sized_its_qr_decodes_and_its_text_reads_back() {
    let card = card(0);
    assert!(card.qr.len() >= 200);
    let pdf = cards_pdf(
        &fonts(),
        &CardLabels::from_texts(),
        std::slice::from_ref(&card),
        CardLayout::Single,
    )
    .unwrap();
    println!("single card PDF: {} bytes", pdf.len());
    let (file, pngs) = render("card-single", &pdf);
    assert_eq!(pngs.len(), 1, "pages");

    let (pages, size) = pdfinfo(&file);
    assert_eq!(pages, 1);
    assert!(close(size.0, 242.646) && close(size.1, 153.071), "{size:?}");
    assert_eq!(decode(&pngs[0]), std::slice::from_ref(&card.qr));
    let text = pdftotext(&file, None);
    for expected in [
        card.name_hi.as_str(),
        &card.name_en,
        &card.registration_number,
        &card.occupation_hi,
        &card.office_hi,
        "असंगठित श्रमिक पंजीयन कार्ड",
    ] {
        assert!(
            text.contains(expected),
            "{expected} not in the text: {text}"
        );
    }
}

#[test]
fn nine_cards_fill_an_a4_sheet_of_eight_and_one_more_and_every_code_decodes() {
    let cards: Vec<Card> = (0..9).map(card).collect();
    let pdf = cards_pdf(
        &fonts(),
        &CardLabels::from_texts(),
        &cards,
        CardLayout::A4Eight,
    )
    .unwrap();
    println!("A4 sheets of 9 cards PDF: {} bytes", pdf.len());
    let (file, pngs) = render("cards-a4", &pdf);
    assert_eq!(pngs.len(), 2, "pages");

    let (pages, size) = pdfinfo(&file);
    assert_eq!(pages, 2);
    assert!(close(size.0, 595.276) && close(size.1, 841.89), "{size:?}");
    let mut first = decode(&pngs[0]);
    let second = decode(&pngs[1]);
    assert_eq!((first.len(), second.len()), (8, 1), "codes found per sheet");
    first.sort();
    let mut expected: Vec<String> = cards[..8].iter().map(|c| c.qr.clone()).collect();
    expected.sort();
    assert_eq!(first, expected);
    assert_eq!(second, std::slice::from_ref(&cards[8].qr));
    let text = pdftotext(&file, Some(2));
    assert!(text.contains(&cards[8].name_hi) && text.contains(&cards[8].registration_number));
    let text = pdftotext(&file, Some(1));
    for card in &cards[..8] {
        assert!(
            text.contains(&card.name_hi),
            "{} not on sheet 1",
            card.name_hi
        );
    }
}

fn member(family: usize, n: usize) -> FormMember {
    let (name_hi, name_en) = NAMES[(family * 3 + n) % NAMES.len()];
    let (gender_hi, gender_en) = [("महिला", "Female"), ("पुरुष", "Male")][n % 2];
    FormMember {
        member_id: format!("{:09}", 100_000_000 + family * 100 + n),
        name_hi: name_hi.into(),
        name_en: name_en.into(),
        guardian_hi: "रामप्रसाद कुशवाहा".into(),
        guardian_en: "Ramprasad Kushwaha".into(),
        gender_hi: gender_hi.into(),
        gender_en: gender_en.into(),
        birth: format!("01-07-{}", 1970 + 5 * n),
        age: format!("{} वर्ष", 56 - 5 * n),
    }
}

fn camp(sizes: &[usize]) -> FormsCamp {
    FormsCamp {
        camp_id: "IND-20261215-1".into(),
        place_hi: "ग्राम पंचायत सिमरोल, जनपद महू".into(),
        place_en: "Gram Panchayat Simrol, Janpad Mhow".into(),
        date: "15-12-2026".into(),
        families: sizes
            .iter()
            .enumerate()
            .map(|(f, &size)| FormFamily {
                family_id: format!("{:08}", 40_000_000 + f),
                address_hi: format!("मकान नं. {}, वार्ड 3, सिमरोल", 10 + f),
                address_en: format!("House {}, Ward 3, Simrol", 10 + f),
                members: (0..size).map(|n| member(f, n)).collect(),
            })
            .collect(),
    }
}

#[test]
fn a_camps_forms_go_family_by_family_with_page_n_of_m() {
    // 4 members fill most of page 1; 5 do not fit after them but fit a page; 2 more after that.
    let camp = camp(&[4, 5, 2]);
    let pdf = application_forms_pdf(&fonts(), &FormLabels::from_texts(), &camp).unwrap();
    println!("forms PDF, 3 families of 11: {} bytes", pdf.len());
    let (file, pngs) = render("forms", &pdf);
    assert_eq!(pngs.len(), 3, "pages");

    let (pages, size) = pdfinfo(&file);
    assert_eq!(pages, 3);
    assert!(close(size.0, 595.276) && close(size.1, 841.89), "{size:?}");
    for (page, family) in camp.families.iter().enumerate() {
        let text = pdftotext(&file, Some(page + 1));
        assert!(text.contains(&camp.camp_id) && text.contains(&camp.place_hi));
        assert!(text.contains(&format!("Page {} of 3", page + 1)), "{text}");
        assert!(text.contains(&format!("पृष्ठ {} / 3", page + 1)), "{text}");
        assert!(text.contains(&family.family_id) && text.contains(&family.address_hi));
        for member in &family.members {
            assert!(
                text.contains(&member.member_id),
                "{} on page {}",
                member.member_id,
                page + 1
            );
            assert!(text.contains(&member.name_hi) && text.contains(&member.name_en));
        }
        for other in camp.families.iter().filter(|f| *f != family) {
            assert!(!text.contains(&other.family_id), "one family per page here");
        }
    }
}

#[test]
fn a_family_longer_than_a_page_runs_on_under_a_continued_header() {
    let camp = camp(&[2, 7]);
    let pdf = application_forms_pdf(&fonts(), &FormLabels::from_texts(), &camp).unwrap();
    let dir = samples();
    let file = dir.join("forms-long-family.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let (pages, _) = pdfinfo(&file);
    // The first family, then two of the seven on page 1; the other five on page 2.
    assert_eq!(pages, 2);
    let second = pdftotext(&file, Some(2));
    assert!(second.contains(&camp.families[1].family_id) && second.contains("(continued)"));
    let first = pdftotext(&file, Some(1));
    assert!(!first.contains("(continued)"));
    let on_first = camp.families[1]
        .members
        .iter()
        .filter(|m| first.contains(&m.member_id))
        .count();
    assert_eq!(on_first, 2);
}

#[test]
fn missing_fonts_are_named_and_empty_input_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let err = Fonts::load(empty.path()).unwrap_err().to_string();
    assert!(err.contains("NotoSansDevanagari-Regular.ttf") && err.contains("fonts-noto-core"));
    let fonts = fonts();
    let err = cards_pdf(&fonts, &CardLabels::from_texts(), &[], CardLayout::Single);
    assert!(matches!(err, Err(PrintError::Nothing { .. })));
    let mut too_long = card(0);
    too_long.qr = "x".repeat(5000);
    let err = cards_pdf(
        &fonts,
        &CardLabels::from_texts(),
        &[too_long],
        CardLayout::Single,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "a QR text of 5000 bytes does not fit in a QR code");
}
