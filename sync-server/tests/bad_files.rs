//! Files from outside (LGD and Samagra exports, department lists) in any shape: reading them
//! never panics, every problem is an error that says what is wrong, and rows that are good
//! are kept.

use panjiyan_server::import::{SamagraFile, parse_member_list, read_locations};
use proptest::prelude::*;

/// Bytes that look like CSV often enough to reach past the header: known column names,
/// commas, quotes, line breaks, Devanagari, a BOM, and noise.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "code",
        "level",
        "name_hi",
        "name_en",
        "parent",
        "village",
        "23",
        "401",
        ",",
        ",",
        "\"",
        "\n",
        "\r\n",
        "\u{feff}",
        "राम",
        "samagra_member_id",
        "123456789",
        "family_id",
        "member_id",
        "unit_code",
        "birth_year",
        "1985",
        "=cmd",
        "",
        " ",
    ]);
    (
        prop::collection::vec(pieces, 0..80),
        prop::collection::vec(any::<u8>(), 0..40),
    )
        .prop_map(|(words, noise)| {
            let mut out: Vec<u8> = words.concat().into_bytes();
            out.extend(noise);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_locations_file_in_any_shape_is_read_or_refused_in_words(bytes in csvish()) {
        match read_locations(bytes.as_slice()) {
            Ok((places, bad)) => {
                for b in &bad {
                    prop_assert!(b.line >= 1 && !b.reason.is_empty());
                }
                prop_assert!(places.iter().all(|p| !p.code.as_str().is_empty()));
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn a_samagra_file_in_any_shape_is_read_or_refused_in_words(bytes in csvish(), csv in any::<bool>()) {
        match SamagraFile::open(bytes.as_slice(), csv) {
            Ok(mut file) => {
                for record in file.records().take(200) {
                    match record {
                        Ok((line, Err(reason))) => prop_assert!(line >= 1 && !reason.is_empty()),
                        Ok((_, Ok(_))) => {}
                        Err(e) => prop_assert!(!e.to_string().is_empty()),
                    }
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn a_department_list_in_any_shape_is_read_or_refused_in_words(bytes in csvish()) {
        let text = String::from_utf8_lossy(&bytes);
        match parse_member_list(&text) {
            Ok((ids, bad)) => {
                prop_assert!(ids.iter().all(|i| i.len() == 9 && i.bytes().all(|b| b.is_ascii_digit())));
                prop_assert!(bad.iter().all(|b| !b.reason.is_empty()));
            }
            Err(problem) => prop_assert!(!problem.is_empty()),
        }
    }
}
