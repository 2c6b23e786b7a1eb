//! Message keys and their Hindi and English texts. Texts are whole sentences kept as data
//! (`data/messages.json`), with named `{placeholders}` for values: never built from fragments.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

/// The languages the app and the worker-facing texts come in. Hindi first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Hi,
    En,
}

/// A message to show: a stable key (also what the FFI and the wire carry) and the values for
/// its placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub key: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct Texts {
    hi: String,
    en: String,
}

/// Message keys with their Hindi and English texts, read from JSON (`{"key": {"hi", "en"}}`):
/// core's own (`data/messages.json`: what the phone and the server both say), and any crate's
/// texts of its own, such as the server's pages.
#[derive(Debug)]
pub struct Catalogue {
    texts: HashMap<String, Texts>,
}

impl Catalogue {
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        Ok(Self {
            texts: serde_json::from_str(json)?,
        })
    }

    /// `message` in `lang` with its placeholders filled, if the catalogue has its key.
    pub fn text(&self, message: &Message, lang: Lang) -> Option<String> {
        let texts = self.texts.get(&message.key)?;
        let template = match lang {
            Lang::Hi => &texts.hi,
            Lang::En => &texts.en,
        };
        Some(fill(template, &message.params))
    }

    pub fn contains(&self, key: &str) -> bool {
        self.texts.contains_key(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.keys().map(String::as_str)
    }

    /// What is wrong with the catalogue's texts, one line each: an empty text, Hindi that is
    /// not in Devanagari, placeholders that differ between the two languages.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, texts) in &self.texts {
            if texts.hi.trim().is_empty() || texts.en.trim().is_empty() {
                problems.push(format!("{key}: an empty text"));
            }
            if !texts
                .hi
                .chars()
                .any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
            {
                problems.push(format!("{key}: the Hindi text is not Devanagari"));
            }
            if placeholders(&texts.hi) != placeholders(&texts.en) {
                problems.push(format!("{key}: Hindi and English placeholders differ"));
            }
        }
        problems.sort();
        problems
    }
}

fn placeholders(s: &str) -> std::collections::BTreeSet<&str> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        out.insert(&after[..close]);
        rest = &after[close + 1..];
    }
    out
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        Catalogue::from_json(include_str!("../data/messages.json"))
            .expect("data/messages.json is checked by the tests")
    })
}

impl Message {
    pub fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            params: BTreeMap::new(),
        }
    }

    /// Sets the value of placeholder `{name}`.
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params.insert(name.to_owned(), value.to_string());
        self
    }

    /// The text in `lang` with placeholders filled. A key missing from the catalogue comes
    /// back as itself, so a screen shows something traceable rather than nothing.
    pub fn text(&self, lang: Lang) -> String {
        catalogue()
            .text(self, lang)
            .unwrap_or_else(|| self.key.clone())
    }

    /// True when the catalogue has a text for this key.
    pub fn is_known(&self) -> bool {
        catalogue().contains(&self.key)
    }
}

fn fill(template: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match params.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Indian digit grouping: 1,16,124 and 1,85,00,000 (the last three digits, then pairs).
pub fn format_indian_number(n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let mut groups: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > 2 {
        groups.push(&head[end - 2..end]);
        end -= 2;
    }
    groups.push(&head[..end]);
    groups.reverse();
    format!("{},{last3}", groups.join(","))
}

/// Every key in the catalogue: for tests that check the code uses only known keys.
pub fn catalogue_keys() -> impl Iterator<Item = &'static str> {
    catalogue().keys()
}

/// Message keys in the string literals of source `text`: literals shaped like a key
/// (`area.name`, lower case) whose first part is one of `areas`, and any literal passed
/// straight to `Message::new`. For each crate's test that every key its code uses has a text.
pub fn keys_in_source(
    text: &str,
    areas: &std::collections::BTreeSet<&str>,
) -> std::collections::BTreeSet<String> {
    let is_key_shaped = |lit: &str| {
        let parts: Vec<&str> = lit.split('.').collect();
        let file_name = parts
            .last()
            .is_some_and(|ext| ["html", "json", "csv", "rs", "txt"].contains(ext));
        parts.len() >= 2
            && !file_name
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
    };
    let mut keys = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        let before = &rest[..open];
        let after = &rest[open + 1..];
        let Some(close) = after.find('"') else { break };
        let lit = &after[..close];
        let area = lit.split('.').next().unwrap_or_default();
        let passed_to_new = before.trim_end().ends_with("Message::new(");
        if is_key_shaped(lit) && (areas.contains(area) || passed_to_new) {
            keys.insert(lit.to_owned());
        }
        rest = &after[close + 1..];
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn hindi_and_english_texts_have_the_same_placeholders() {
        assert_eq!(catalogue().problems(), Vec::<String>::new());
        let bad = Catalogue::from_json(
            r#"{"a.b": {"hi": "{n} नमस्ते", "en": "hello {m}"}, "a.c": {"hi": "hi", "en": ""}}"#,
        )
        .unwrap();
        assert_eq!(
            bad.problems(),
            [
                "a.b: Hindi and English placeholders differ",
                "a.c: an empty text",
                "a.c: the Hindi text is not Devanagari"
            ]
        );
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn catalogue_areas() -> BTreeSet<&'static str> {
        catalogue_keys()
            .filter_map(|k| k.split('.').next())
            .collect()
    }

    #[test]
    fn the_key_scan_finds_keys_and_would_report_a_missing_one() {
        let source = r#"
            let a = Message::new("form.mobile_invalid");
            let b = "eligibility.no_such_rule";
            let c = Message::new("sms.not_an_area_yet");
            let d = "camp.DB"; let e = "file.rs"; let f = "form."; let g = "camp.html";
        "#;
        let found = keys_in_source(source, &catalogue_areas());
        assert_eq!(
            found.iter().map(String::as_str).collect::<Vec<_>>(),
            [
                "eligibility.no_such_rule",
                "form.mobile_invalid",
                "sms.not_an_area_yet"
            ]
        );
        let missing: Vec<_> = found.iter().filter(|k| !catalogue().contains(k)).collect();
        assert_eq!(missing, ["eligibility.no_such_rule", "sms.not_an_area_yet"]);
    }

    /// Scans the non-test sources of this crate and of the FFI crate beside it (the server
    /// checks its own, against its texts and these) for message keys: every one must be in the catalogue (which the test above
    /// checks in both languages), so no screen or SMS ever shows a bare key.
    #[test]
    fn every_message_key_the_code_uses_is_in_the_catalogue() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rust_files(&root.join("src"), &mut files);
        for sibling in ["../mobile-ffi/src"] {
            if root.join(sibling).is_dir() {
                rust_files(&root.join(sibling), &mut files);
            }
        }
        let areas = catalogue_areas();
        let mut used = BTreeSet::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            // Tests name missing keys on purpose; what users can see is the code above them.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            used.extend(keys_in_source(code, &areas));
        }
        for expected in [
            "eligibility.age_below_min",
            "eligibility.irrigated_land_not_declared",
            "eligibility.epfo_esic_member",
            "form.mobile_invalid",
            "form.migrant_wage_implausible",
            "push.conflict",
        ] {
            assert!(used.contains(expected), "the scan missed {expected}");
        }
        let missing: Vec<_> = used.iter().filter(|k| !catalogue().contains(k)).collect();
        assert!(
            missing.is_empty(),
            "keys used in code but missing from messages.json: {missing:?}"
        );
    }

    #[test]
    fn placeholders_are_filled_in_both_languages() {
        let m = Message::new("eligibility.age_below_min")
            .with("age", 17)
            .with("min", 18);
        assert_eq!(
            m.text(Lang::En),
            "Age 17 is below the minimum age of 18 years for this scheme."
        );
        assert!(m.text(Lang::Hi).contains("17") && m.text(Lang::Hi).contains("18"));
        assert_eq!(Message::new("no.such.key").text(Lang::Hi), "no.such.key");
    }

    #[test]
    fn numbers_use_indian_grouping() {
        assert_eq!(format_indian_number(0), "0");
        assert_eq!(format_indian_number(999), "999");
        assert_eq!(format_indian_number(1_000), "1,000");
        assert_eq!(format_indian_number(116_124), "1,16,124");
        assert_eq!(format_indian_number(18_500_000), "1,85,00,000");
    }
}
