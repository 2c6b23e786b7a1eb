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

fn catalogue() -> &'static HashMap<String, Texts> {
    static CATALOGUE: OnceLock<HashMap<String, Texts>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        serde_json::from_str(include_str!("../data/messages.json"))
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
        let Some(texts) = catalogue().get(&self.key) else {
            return self.key.clone();
        };
        let template = match lang {
            Lang::Hi => &texts.hi,
            Lang::En => &texts.en,
        };
        fill(template, &self.params)
    }

    /// True when the catalogue has a text for this key.
    pub fn is_known(&self) -> bool {
        catalogue().contains_key(&self.key)
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
    catalogue().keys().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            out.insert(after[..close].to_owned());
            rest = &after[close + 1..];
        }
        out
    }

    #[test]
    fn hindi_and_english_texts_have_the_same_placeholders() {
        for (key, texts) in catalogue() {
            assert!(
                !texts.hi.trim().is_empty() && !texts.en.trim().is_empty(),
                "{key}"
            );
            assert_eq!(placeholders(&texts.hi), placeholders(&texts.en), "{key}");
            assert!(
                texts
                    .hi
                    .chars()
                    .any(|c| ('\u{0900}'..='\u{097F}').contains(&c)),
                "{key} hi is not Devanagari"
            );
        }
    }

    /// Scans the sources for message keys in string literals: every one must be in the
    /// catalogue, so no screen ever shows a bare key.
    #[test]
    fn every_message_key_the_code_uses_is_in_the_catalogue() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut used = BTreeSet::new();
        let mut stack = vec![std::path::PathBuf::from(src)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for prefix in [
                        "\"eligibility.",
                        "\"form.",
                        "\"registration.",
                        "\"push.",
                        "\"camp.",
                    ] {
                        for (i, _) in text.match_indices(prefix) {
                            let lit = &text[i + 1..];
                            let end = lit.find('"').unwrap();
                            let key = &lit[..end];
                            if key
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                                && !key.ends_with('.')
                            {
                                used.insert(key.to_owned());
                            }
                        }
                    }
                }
            }
        }
        assert!(used.len() >= 10, "the scan found too few keys: {used:?}");
        let missing: Vec<_> = used
            .iter()
            .filter(|k| !catalogue().contains_key(*k))
            .collect();
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
