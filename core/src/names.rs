//! Name matching that tolerates how Indian names vary in spelling and script: Devanagari and
//! Latin spellings of a name reduce to the same phonetic key (Laxmi, Lakshmi, लक्ष्मी).
//!
//! A word's key is built in three steps:
//! 1. **Transliterate** Devanagari to plain Latin letters (consonants with their inherent `a`,
//!    except at the end of a word; vowel signs as vowels; anusvara and chandrabindu as `n`;
//!    क्ष as `ks`, ज्ञ as `gy`, nukta ignored). Latin is lower-cased, non-letters dropped.
//! 2. **Normalise** spellings that stand for one sound: `ksh`/`x` → `ks`; aspirates fold into
//!    plain stops (`kh`→`k`, `gh`→`g`, `ch`/`chh`→`c`, `jh`→`j`, `th`→`t`, `dh`→`d`,
//!    `ph`→`f`, `bh`→`b`); `sh`→`s` (श, ष and स meet); `w`→`v`, `z`→`j`, `q`→`k`; a `y`
//!    not followed by a vowel is a vowel.
//! 3. **Skeleton**: keep the first letter (vowels folded to `a i u e o`), drop every later
//!    vowel, collapse repeated letters. Retroflex and dental stops already share letters.
//!
//! So Kushwaha, Kushwah and कुशवाहा are all `ksvh`; Choudhary, Chaudhari and चौधरी are `cdr`.
//! Keys are for finding candidates; [`similarity`] then ranks them by how closely they match.

/// Words that are titles, not names: ignored in search.
const HONORIFICS: &[&str] = &[
    "shri",
    "sri",
    "shree",
    "smt",
    "shrimati",
    "kumari",
    "km",
    "mr",
    "mrs",
    "ms",
    "sushri",
    "श्री",
    "श्रीमती",
    "कुमारी",
    "सुश्री",
    "कु",
];

fn is_devanagari(c: char) -> bool {
    ('\u{0900}'..='\u{097F}').contains(&c)
}

/// The Latin letters of a Devanagari consonant (without its inherent vowel).
fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' | 'ञ' | 'ण' | 'न' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ट' | 'त' => "t",
        'ठ' | 'थ' => "th",
        'ड' | 'द' => "d",
        'ढ' | 'ध' => "dh",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' => "r",
        'ल' | 'ळ' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

/// Independent vowels and vowel signs.
fn vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' | 'ा' => "aa",
        'इ' | 'ि' => "i",
        'ई' | 'ी' => "ee",
        'उ' | 'ु' => "u",
        'ऊ' | 'ू' => "oo",
        'ऋ' | 'ृ' => "ri",
        'ए' | 'े' => "e",
        'ऐ' | 'ै' => "ai",
        'ओ' | 'ो' => "o",
        'औ' | 'ौ' => "au",
        'ऑ' | 'ॉ' => "o",
        _ => return None,
    })
}

const HALANT: char = '्';
const NUKTA: char = '़';

fn transliterate_devanagari(word: &str) -> String {
    let chars: Vec<char> = word.chars().filter(|&c| c != NUKTA).collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(cons) = consonant(c) {
            // क्ष and ज्ञ are written as conjuncts but said as one unit.
            let next2 = (chars.get(i + 1).copied(), chars.get(i + 2).copied());
            let (letters, used) = match (c, next2) {
                ('क', (Some(HALANT), Some('ष'))) => ("ks", 3),
                ('ज', (Some(HALANT), Some('ञ'))) => ("gy", 3),
                _ => (cons, 1),
            };
            out.push_str(letters);
            i += used;
            match chars.get(i) {
                Some(&HALANT) => i += 1,
                Some(&n) if vowel(n).is_some() => {}
                // The inherent vowel is not said at the end of a word (schwa deletion).
                None => {}
                Some(_) => out.push('a'),
            }
            continue;
        }
        if let Some(v) = vowel(c) {
            out.push_str(v);
        } else if matches!(c, 'ं' | 'ँ') {
            out.push('n');
        } else if c == 'ः' {
            out.push('h');
        }
        i += 1;
    }
    out
}

/// Plain lower-case Latin letters for a word in either script.
fn transliterate(word: &str) -> String {
    if word.chars().any(is_devanagari) {
        transliterate_devanagari(word)
    } else {
        word.chars()
            .filter(char::is_ascii_alphabetic)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn normalise(latin: &str) -> Vec<u8> {
    const RULES: &[(&str, &str)] = &[
        ("ksh", "ks"),
        ("chh", "c"),
        ("ch", "c"),
        ("sh", "s"),
        ("kh", "k"),
        ("gh", "g"),
        ("jh", "j"),
        ("th", "t"),
        ("dh", "d"),
        ("ph", "f"),
        ("bh", "b"),
        ("ck", "k"),
        ("x", "ks"),
        ("w", "v"),
        ("z", "j"),
        ("q", "k"),
    ];
    let b = latin.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 2);
    let mut i = 0;
    'outer: while i < b.len() {
        for (from, to) in RULES {
            if b[i..].starts_with(from.as_bytes()) {
                out.extend_from_slice(to.as_bytes());
                i += from.len();
                continue 'outer;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    for j in 0..out.len() {
        if out[j] == b'y' && !out.get(j + 1).copied().is_some_and(is_vowel) && j > 0 {
            out[j] = b'i';
        }
    }
    out
}

fn fold_first_vowel(b: &[u8]) -> u8 {
    match b {
        [b'a', b'i', ..] | [b'e', ..] => b'e',
        [b'a', b'u', ..] | [b'o', ..] => b'o',
        [b'a', ..] => b'a',
        [b'i', ..] => b'i',
        [b'u', ..] => b'u',
        [c, ..] => *c,
        [] => b' ',
    }
}

/// The phonetic key of one word (Devanagari or Latin); empty when it has no letters.
pub fn phonetic_key(word: &str) -> String {
    let norm = normalise(&transliterate(word));
    let Some(_) = norm.first() else {
        return String::new();
    };
    let mut key = vec![fold_first_vowel(&norm)];
    for &c in &norm[1..] {
        if !is_vowel(c) && key.last() != Some(&c) {
            key.push(c);
        }
    }
    String::from_utf8(key).expect("keys are ASCII")
}

fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| !(c.is_alphabetic() || is_devanagari(c)))
        .filter(|w| !w.is_empty())
        .filter(|w| !HONORIFICS.contains(&w.to_lowercase().as_str()))
}

/// The phonetic keys of each word of a name, deduplicated, in order: what the store indexes
/// and what a query is matched on. Works for Devanagari and Latin alike.
pub fn search_tokens(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(name) {
        let k = phonetic_key(w);
        if !k.is_empty() && !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// How alike a query and a candidate name are, from 0.0 (nothing alike) to 1.0 (same
/// spelling). Each query word scores 1 for a candidate word with the same key, 0.7 for a key
/// the query's key begins (a name typed half-way); the spelling's closeness (Jaro-Winkler
/// over the transliterations) breaks ties, so an exact spelling ranks above a variant.
pub fn similarity(query: &str, candidate: &str) -> f32 {
    let q: Vec<(String, String)> = words(query)
        .map(|w| (phonetic_key(w), transliterate(w)))
        .collect();
    let c: Vec<(String, String)> = words(candidate)
        .map(|w| (phonetic_key(w), transliterate(w)))
        .collect();
    if q.is_empty() || c.is_empty() {
        return 0.0;
    }
    let mut total = 0.0;
    for (qk, qt) in &q {
        let best = c
            .iter()
            .map(|(ck, ct)| {
                let key_score = if qk == ck {
                    1.0
                } else if !qk.is_empty() && ck.starts_with(qk.as_str()) {
                    0.7
                } else {
                    0.0
                };
                0.85 * key_score + 0.15 * jaro_winkler(qt, ct)
            })
            .fold(0.0f32, f32::max);
        total += best;
    }
    total / q.len() as f32
}

/// Jaro-Winkler similarity of two ASCII strings, 0.0 to 1.0.
fn jaro_winkler(a: &str, b: &str) -> f32 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.is_empty() || b.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut b_used = vec![false; b.len()];
    let mut a_matches = Vec::new();
    for (i, &ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        if let Some(j) = (lo..hi).find(|&j| !b_used[j] && b[j] == ca) {
            b_used[j] = true;
            a_matches.push(ca);
        }
    }
    let m = a_matches.len() as f32;
    if m == 0.0 {
        return 0.0;
    }
    let b_matches: Vec<u8> = b
        .iter()
        .zip(&b_used)
        .filter(|(_, u)| **u)
        .map(|(c, _)| *c)
        .collect();
    let transpositions = a_matches
        .iter()
        .zip(&b_matches)
        .filter(|(x, y)| x != y)
        .count() as f32
        / 2.0;
    let jaro = (m / a.len() as f32 + m / b.len() as f32 + (m - transpositions) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f32;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spelling_variants_and_scripts_meet_on_one_key() {
        let groups: &[&[&str]] = &[
            &["Laxmi", "Lakshmi", "लक्ष्मी"],
            &["Kushwaha", "Kushwah", "कुशवाहा"],
            &["Sharma", "Sarma", "शर्मा"],
            &["Shyam", "Syam", "श्याम"],
            &["Ramesh", "रमेश"],
            &["Vijay", "Wijay", "विजय"],
            &["Devi", "Devee", "देवी"],
            &["Yadav", "Yaadav", "यादव"],
            &["Choudhary", "Chaudhary", "Chaudhari", "चौधरी"],
            &["Meena", "Mina", "मीणा"],
            &["Sunita", "Suneeta", "सुनीता"],
            &["Krishna", "कृष्ण"],
            &["Gyan", "ज्ञान"],
        ];
        for group in groups {
            let keys: Vec<String> = group.iter().map(|w| phonetic_key(w)).collect();
            assert!(
                keys.iter().all(|k| k == &keys[0]),
                "{group:?} gave {keys:?}"
            );
        }
    }

    #[test]
    fn different_names_keep_different_keys() {
        for (a, b) in [
            ("Ramesh", "Suresh"),
            ("Sita", "Gita"),
            ("Mohan", "Sohan"),
            ("Laxmi", "Lalita"),
            ("Kamla", "Vimla"),
        ] {
            assert_ne!(phonetic_key(a), phonetic_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn search_tokens_skip_titles_and_repeats() {
        assert_eq!(
            search_tokens("Smt. Laxmi Bai Kushwaha"),
            search_tokens("लक्ष्मी बाई कुशवाहा")
        );
        assert_eq!(search_tokens("Ram Ram"), vec![phonetic_key("Ram")]);
        assert!(search_tokens("श्री 123 !!").is_empty());
    }

    #[test]
    fn exact_spelling_ranks_above_a_variant_and_a_variant_above_another_name() {
        let exact = similarity("Lakshmi", "Lakshmi Kushwaha");
        let variant = similarity("Lakshmi", "Laxmi Kushwah");
        let other = similarity("Lakshmi", "Lalita Kushwaha");
        assert!(
            exact > variant && variant > other,
            "{exact} {variant} {other}"
        );
        assert!(similarity("लक्ष्मी", "Laxmi") > 0.85);
        assert!(similarity("Laks", "Lakshmi") > similarity("Laks", "Lalita"));
    }

    proptest! {
        #[test]
        fn keys_never_panic_and_are_ascii(s in "\\PC{0,24}") {
            let k = phonetic_key(&s);
            prop_assert!(k.is_ascii());
            let _ = similarity(&s, "Laxmi");
        }

        #[test]
        fn keys_ignore_case(s in "[a-zA-Z]{1,12}") {
            prop_assert_eq!(phonetic_key(&s), phonetic_key(&s.to_uppercase()));
        }

        #[test]
        fn a_name_is_most_similar_to_itself(s in "[a-z]{2,10}( [a-z]{2,10})?") {
            // A "name" made only of titles (Mr, Smt) has no words to match.
            prop_assume!(!search_tokens(&s).is_empty());
            prop_assert!(similarity(&s, &s) >= similarity(&s, "zzz qqq"));
            prop_assert!((similarity(&s, &s) - 1.0).abs() < 1e-4);
        }
    }
}
