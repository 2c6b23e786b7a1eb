//! The server's own texts in Hindi and English (`data/pages.json`: the officer and admin
//! pages), looked up before core's, which holds what the phone and the server both say.

use panjiyan_core::messages::{Catalogue, Lang, Message};
use std::sync::OnceLock;

fn pages() -> &'static Catalogue {
    static PAGES: OnceLock<Catalogue> = OnceLock::new();
    PAGES.get_or_init(|| {
        Catalogue::from_json(include_str!("../data/pages.json"))
            .expect("data/pages.json is checked by the tests")
    })
}

/// `message` in `lang`, from the server's texts or else core's; a key found in neither comes
/// back as itself, so that a page shows something traceable rather than nothing.
pub fn text(lang: Lang, message: &Message) -> String {
    pages()
        .text(message, lang)
        .unwrap_or_else(|| message.text(lang))
}

/// The text of `key` (no placeholders) in `lang`.
pub fn key(lang: Lang, key: &str) -> String {
    text(lang, &Message::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use panjiyan_core::messages::{catalogue_keys, keys_in_source};
    use std::collections::BTreeSet;
    use std::path::Path;

    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e == "rs" || e == "html" || e == "txt")
            {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_page_texts_are_whole_in_both_languages_and_not_also_in_core() {
        assert_eq!(pages().problems(), Vec::<String>::new());
        let core: BTreeSet<&str> = catalogue_keys().collect();
        let both: Vec<&str> = pages().keys().filter(|k| core.contains(k)).collect();
        assert!(both.is_empty(), "keys in both catalogues: {both:?}");
        let queue = Message::new("page.nav.queue");
        assert!(
            !queue.is_known(),
            "page texts do not ship in the phone's library"
        );
        assert_eq!(
            key(Lang::En, "page.nav.queue"),
            pages().text(&queue, Lang::En).unwrap()
        );
        assert_eq!(
            key(Lang::Hi, "push.member_unknown"),
            Message::new("push.member_unknown").text(Lang::Hi),
            "shared texts come from core"
        );
    }

    /// Every key the server's code and templates use has a text, here or in core.
    #[test]
    fn every_message_key_the_server_uses_has_a_text() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["src", "templates"] {
            if root.join(dir).is_dir() {
                files(&root.join(dir), &mut sources);
            }
        }
        let known: BTreeSet<&str> = pages().keys().chain(catalogue_keys()).collect();
        let areas: BTreeSet<&str> = known.iter().filter_map(|k| k.split('.').next()).collect();
        let mut used = BTreeSet::new();
        for file in &sources {
            let text = std::fs::read_to_string(file).unwrap();
            // Tests name missing keys on purpose; what users can see is the code above them.
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            used.extend(keys_in_source(code, &areas));
        }
        for expected in ["page.nav.queue", "push.member_unknown", "status.not_found"] {
            assert!(used.contains(expected), "the scan missed {expected}");
        }
        let missing: Vec<&String> = used
            .iter()
            .filter(|k| !known.contains(k.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "keys used but without a text: {missing:?}"
        );
    }
}
