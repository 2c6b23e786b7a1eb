//! Turning a voice message's text into audio: the registration number written out the way a
//! listener understands it (`number_for_listener`).

use serde::Deserialize;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
struct DigitWords {
    hi: [String; 10],
    en: [String; 10],
}

fn digit_words() -> &'static DigitWords {
    static W: OnceLock<DigitWords> = OnceLock::new();
    W.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/spoken_digits.json"))
            .expect("checked by tests")
    })
}

/// A number as a voice message says it: each digit as a word in the message's language
/// (`sync-server/data/spoken_digits.json`), in the number's own groups, a comma (a pause)
/// between groups: `23-401` in Hindi is "दो तीन, चार शून्य एक". Groups are separated by
/// anything that is not a letter or digit (`-` in the default format); a letter is said as it
/// is written.
pub fn number_for_listener(number: &str, language: &str) -> String {
    let words = if language == "en" {
        &digit_words().en
    } else {
        &digit_words().hi
    };
    number
        .split(|c: char| !c.is_alphanumeric())
        .filter(|group| !group.is_empty())
        .map(|group| {
            group
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => words[d as usize].clone(),
                    None => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_number_is_said_digit_by_digit_in_its_groups_in_hindi() {
        assert_eq!(
            number_for_listener("23-401-2026-0000042", "hi"),
            "दो तीन, चार शून्य एक, दो शून्य दो छह, शून्य शून्य शून्य शून्य शून्य चार दो"
        );
        assert_eq!(number_for_listener("5678-9", "hi"), "पाँच छह सात आठ, नौ");
    }

    #[test]
    fn a_registration_number_is_said_digit_by_digit_in_its_groups_in_english() {
        assert_eq!(
            number_for_listener("23-401-2026-0000042", "en"),
            "two three, four zero one, two zero two six, zero zero zero zero zero four two"
        );
        assert_eq!(
            number_for_listener("MP/15-678", "en"),
            "M P, one five, six seven eight",
            "any separator parts groups; letters are said as written"
        );
        assert_eq!(number_for_listener("", "en"), "");
    }

    #[test]
    fn every_language_has_a_word_for_every_digit() {
        for words in [&digit_words().hi, &digit_words().en] {
            assert!(words.iter().all(|w| !w.trim().is_empty()), "{words:?}");
            let distinct: std::collections::BTreeSet<_> = words.iter().collect();
            assert_eq!(distinct.len(), 10, "{words:?}");
        }
    }
}
