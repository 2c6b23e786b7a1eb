//! Name matching that tolerates how Indian names vary in spelling and script: Devanagari and
//! Latin spellings of a name reduce to the same phonetic key (Laxmi, Lakshmi, लक्ष्मी).

/// The phonetic keys of each word of a name, deduplicated, in order: what the store indexes
/// and what a query is matched on. Works for Devanagari and Latin alike.
pub fn search_tokens(name: &str) -> Vec<String> {
    let _ = name;
    unimplemented!("names helper")
}

/// How alike a query and a candidate name are, from 0.0 (nothing alike) to 1.0 (same key).
pub fn similarity(query: &str, candidate: &str) -> f32 {
    let _ = (query, candidate);
    unimplemented!("names helper")
}
