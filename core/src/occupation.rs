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
    #[error("occupation {0:?} has an empty code or name")]
    Empty(String),
}

impl OccupationList {
    /// The list shipped with this build.
    pub fn builtin() -> OccupationList {
        Self::from_json(include_str!("../data/occupations.json"))
            .expect("data/occupations.json is checked by the tests")
    }

    pub fn from_json(text: &str) -> Result<Self, OccupationError> {
        let list: OccupationList =
            serde_json::from_str(text).map_err(|e| OccupationError::Malformed(e.to_string()))?;
        let mut seen = HashSet::new();
        for o in &list.categories {
            if o.code.trim().is_empty()
                || o.name_hi.trim().is_empty()
                || o.name_en.trim().is_empty()
            {
                return Err(OccupationError::Empty(o.code.clone()));
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

    /// Categories whose name in either language contains `query` (case-insensitive), sorted
    /// by their name in `lang`: the searchable picker.
    pub fn search(&self, query: &str, lang: Lang) -> Vec<&Occupation> {
        let q = query.trim().to_lowercase();
        let mut hits: Vec<&Occupation> = self
            .categories
            .iter()
            .filter(|o| {
                q.is_empty() || o.name_en.to_lowercase().contains(&q) || o.name_hi.contains(&q)
            })
            .collect();
        hits.sort_by(|a, b| a.name(lang).cmp(b.name(lang)));
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_has_36_categories_in_both_languages() {
        let list = OccupationList::builtin();
        assert_eq!(list.version, 1);
        assert_eq!(list.categories.len(), 36);
        assert!(list.contains("construction"));
        assert_eq!(
            list.get("tendu_leaf_collection").unwrap().name_hi,
            "तेंदूपत्ता संग्रहण"
        );
    }

    #[test]
    fn the_picker_finds_categories_by_english_or_hindi_text() {
        let list = OccupationList::builtin();
        let codes =
            |hits: Vec<&Occupation>| hits.iter().map(|o| o.code.clone()).collect::<Vec<_>>();
        assert!(
            codes(list.search("DRIVER", Lang::En)).contains(&"auto_rickshaw_driver".to_owned())
        );
        assert_eq!(codes(list.search("सिलाई", Lang::Hi)), ["tailoring"]);
        assert_eq!(list.search("", Lang::En).len(), 36);
    }

    #[test]
    fn a_list_with_a_repeated_code_is_refused() {
        let text = r#"{"version":2,"categories":[{"code":"a","name_hi":"क","name_en":"A"},{"code":"a","name_hi":"ख","name_en":"B"}]}"#;
        assert_eq!(
            OccupationList::from_json(text),
            Err(OccupationError::DuplicateCode("a".into()))
        );
        assert!(matches!(
            OccupationList::from_json("[]"),
            Err(OccupationError::Malformed(_))
        ));
    }
}
