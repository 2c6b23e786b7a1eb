//! The occupation categories a worker may be registered under: a versioned list shipped as
//! data (`data/occupations.json`).

use crate::messages::Lang;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One category of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occupation {
    /// Stable code, e.g. `construction`.
    pub code: String,
    pub name_hi: String,
    pub name_en: String,
}

impl Occupation {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Hi => &self.name_hi,
            Lang::En => &self.name_en,
        }
    }
}

/// A versioned occupation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupationList {
    pub version: u32,
    pub categories: Vec<Occupation>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OccupationError {
    #[error("the occupation list is not valid JSON of the expected shape: {0}")]
    Malformed(String),
    #[error("occupation code {0:?} appears twice")]
    DuplicateCode(String),
    #[error("occupation number {position} of the list has an empty code")]
    EmptyCode { position: usize },
    #[error("occupation {code:?} has an empty Hindi or English name")]
    EmptyName { code: String },
}

impl OccupationList {
    /// The list shipped with this build.
    pub fn builtin() -> OccupationList {
        Self::shipped().clone()
    }

    /// The list shipped with this build, read from its data once per process.
    pub fn shipped() -> &'static OccupationList {
        static SHIPPED: std::sync::LazyLock<OccupationList> = std::sync::LazyLock::new(|| {
            OccupationList::from_json(include_str!("../data/occupations.json"))
                .expect("data/occupations.json is checked by the tests")
        });
        &SHIPPED
    }

    pub fn from_json(text: &str) -> Result<Self, OccupationError> {
        let list: OccupationList =
            serde_json::from_str(text).map_err(|e| OccupationError::Malformed(e.to_string()))?;
        let mut seen = HashSet::new();
        for (i, o) in list.categories.iter().enumerate() {
            if o.code.trim().is_empty() {
                return Err(OccupationError::EmptyCode { position: i + 1 });
            }
            if o.name_hi.trim().is_empty() || o.name_en.trim().is_empty() {
                return Err(OccupationError::EmptyName {
                    code: o.code.clone(),
                });
            }
            if !seen.insert(o.code.as_str()) {
                return Err(OccupationError::DuplicateCode(o.code.clone()));
            }
        }
        Ok(list)
    }

    pub fn get(&self, code: &str) -> Option<&Occupation> {
        self.categories.iter().find(|o| o.code == code)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }

    /// Categories whose name in either language contains `query`, sorted by their name in
    /// `lang`: the searchable picker. Case and the Hindi spellings people type either way
    /// (with or without a nukta, chandrabindu or anusvara) do not matter.
    pub fn search(&self, query: &str, lang: Lang) -> Vec<&Occupation> {
        let q = fold(query.trim());
        let mut hits: Vec<&Occupation> = self
            .categories
            .iter()
            .filter(|o| {
                q.is_empty() || fold(&o.name_en).contains(&q) || fold(&o.name_hi).contains(&q)
            })
            .collect();
        hits.sort_by(|a, b| a.name(lang).cmp(b.name(lang)));
        hits
    }
}

/// Text reduced to what people reliably type: lower case, Devanagari letters with a nukta
/// (ज़, ड़, फ़ ...) written as their base letter, chandrabindu as anusvara.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\u{093C}')
        .map(|c| match c {
            '\u{0929}' => '\u{0928}',
            '\u{0931}' => '\u{0930}',
            '\u{0934}' => '\u{0933}',
            '\u{0958}' => '\u{0915}',
            '\u{0959}' => '\u{0916}',
            '\u{095A}' => '\u{0917}',
            '\u{095B}' => '\u{091C}',
            '\u{095C}' => '\u{0921}',
            '\u{095D}' => '\u{0922}',
            '\u{095E}' => '\u{092B}',
            '\u{095F}' => '\u{092F}',
            '\u{0901}' => '\u{0902}',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(hits: Vec<&Occupation>) -> Vec<&str> {
        hits.iter().map(|o| o.code.as_str()).collect()
    }

    #[test]
    fn the_shipped_list_has_36_categories_in_both_languages() {
        let list = OccupationList::builtin();
        assert_eq!(list.version, 1);
        assert_eq!(list.categories.len(), 36);
        for code in [
            "agricultural_labour",
            "domestic_work",
            "construction",
            "rag_picking",
            "gig_delivery",
        ] {
            assert!(list.contains(code), "{code}");
        }
        assert_eq!(
            list.get("tendu_leaf_collection").unwrap().name(Lang::Hi),
            "तेंदूपत्ता संग्रहण"
        );
        assert_eq!(list.get("tailoring").unwrap().name(Lang::En), "Tailoring");
        assert!(list.get("astronaut").is_none());
        for o in &list.categories {
            let snake = o.code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            assert!(snake, "{} is not a snake_case code", o.code);
            let devanagari = o
                .name_hi
                .chars()
                .any(|c| ('\u{0900}'..='\u{097F}').contains(&c));
            assert!(devanagari, "{} has no Hindi name", o.code);
        }
    }

    #[test]
    fn the_picker_finds_categories_by_english_or_hindi_text() {
        let list = OccupationList::builtin();
        assert!(codes(list.search("DRIVER", Lang::En)).contains(&"auto_rickshaw_driver"));
        assert_eq!(codes(list.search("सिलाई", Lang::Hi)), ["tailoring"]);
        assert_eq!(
            codes(list.search(" Tendu ", Lang::Hi)),
            ["tendu_leaf_collection"]
        );
        assert_eq!(list.search("", Lang::En).len(), 36);
        assert!(list.search("zzz", Lang::En).is_empty());
    }

    #[test]
    fn the_picker_ignores_how_a_hindi_word_is_spelt_with_nukta_or_chandrabindu() {
        let list = OccupationList::builtin();
        let with_nukta = codes(list.search("मज़दूर", Lang::Hi));
        assert!(
            with_nukta.contains(&"agricultural_labour"),
            "{with_nukta:?}"
        );
        assert_eq!(codes(list.search("मजदूर", Lang::Hi)), with_nukta);
        assert_eq!(
            codes(list.search("ईँट", Lang::Hi)),
            codes(list.search("ईंट", Lang::Hi))
        );
        assert_eq!(codes(list.search("ईंट", Lang::Hi)), ["brick_making"]);
    }

    #[test]
    fn hits_are_sorted_by_their_name_in_the_chosen_language() {
        let list = OccupationList::builtin();
        let names: Vec<_> = list
            .search("driver", Lang::En)
            .iter()
            .map(|o| o.name_en.clone())
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert!(names.len() >= 2);
        assert_eq!(names, sorted);
    }

    #[test]
    fn a_list_with_a_repeated_code_or_an_empty_name_is_refused() {
        let list = |categories: &str| {
            OccupationList::from_json(&format!(r#"{{"version":2,"categories":[{categories}]}}"#))
        };
        assert_eq!(
            list(
                r#"{"code":"a","name_hi":"क","name_en":"A"},{"code":"a","name_hi":"ख","name_en":"B"}"#
            ),
            Err(OccupationError::DuplicateCode("a".into()))
        );
        assert_eq!(
            list(r#"{"code":"a","name_hi":" ","name_en":"A"}"#),
            Err(OccupationError::EmptyName { code: "a".into() })
        );
        assert_eq!(
            list(
                r#"{"code":"a","name_hi":"क","name_en":"A"},{"code":"","name_hi":"ख","name_en":"B"}"#
            ),
            Err(OccupationError::EmptyCode { position: 2 })
        );
        assert!(matches!(
            OccupationList::from_json("[]"),
            Err(OccupationError::Malformed(_))
        ));
        assert_eq!(
            list(r#"{"code":"a","name_hi":"क","name_en":"A"}"#)
                .unwrap()
                .version,
            2
        );
    }
}
