//! The column primitives of the pack body: varints, ID deltas, dictionaries and word groups,
//! written by `Writer` and read back by `Reader` with every length and index checked.

use super::codec::{Decoded, Undecodable};
use std::collections::HashMap;
use std::hash::Hash;

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[derive(Default)]
pub(super) struct Writer {
    pub(super) out: Vec<u8>,
}

impl Writer {
    pub(super) fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    pub(super) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    pub(super) fn deltas(&mut self, values: impl Iterator<Item = u64>) {
        let mut previous = 0i64;
        for v in values {
            let v = v as i64;
            self.varint(zigzag(v.wrapping_sub(previous)));
            previous = v;
        }
    }

    pub(super) fn optional_small(&mut self, v: Option<u8>) {
        self.varint(v.map_or(0, |v| u64::from(v) + 1));
    }

    /// Whole strings through a dictionary: for columns with few distinct values.
    pub(super) fn dictionary(&mut self, values: &[&str]) {
        let (words, index) = dictionary_of(values.iter().copied());
        self.words(&words);
        values.iter().for_each(|v| self.varint(index[v]));
    }

    /// Texts of several columns split into words, through one shared word dictionary.
    pub(super) fn word_group(&mut self, columns: &[Vec<&str>]) {
        let all = columns.iter().flatten().flat_map(|t| t.split(' '));
        let (words, index) = dictionary_of(all);
        self.words(&words);
        for text in columns.iter().flatten() {
            self.varint(text.split(' ').count() as u64);
        }
        for word in columns.iter().flatten().flat_map(|t| t.split(' ')) {
            self.varint(index[word]);
        }
    }

    /// The same texts in Devanagari and in Latin letters, word by word as pairs through one
    /// pair dictionary: a word's Latin spelling mostly follows from its Devanagari one, so a
    /// pair costs little more than a single word.
    pub(super) fn bilingual(&mut self, texts: &[(&str, &str)]) {
        let split: Vec<(Vec<&str>, Vec<&str>)> = texts
            .iter()
            .map(|(hi, en)| (hi.split(' ').collect(), en.split(' ').collect()))
            .collect();
        let (hi_words, hi_index) =
            dictionary_of(split.iter().flat_map(|(hi, _)| hi.iter().copied()));
        let (en_words, en_index) =
            dictionary_of(split.iter().flat_map(|(_, en)| en.iter().copied()));
        // 0 where one text has fewer words than the other, otherwise the index + 1.
        let tokens: Vec<(u64, u64)> = split
            .iter()
            .flat_map(|(hi, en)| {
                (0..hi.len().max(en.len())).map(|i| {
                    (
                        hi.get(i).map_or(0, |w| hi_index[w] + 1),
                        en.get(i).map_or(0, |w| en_index[w] + 1),
                    )
                })
            })
            .collect();
        let (pairs, pair_index) = dictionary_of(tokens.iter().copied());
        self.words(&hi_words);
        self.words(&en_words);
        self.varint(pairs.len() as u64);
        pairs.iter().for_each(|(hi, _)| self.varint(*hi));
        pairs.iter().for_each(|(_, en)| self.varint(*en));
        split
            .iter()
            .for_each(|(hi, _)| self.varint(hi.len() as u64));
        split
            .iter()
            .for_each(|(_, en)| self.varint(en.len() as u64));
        tokens.iter().for_each(|t| self.varint(pair_index[t]));
    }

    pub(super) fn words(&mut self, words: &[&str]) {
        self.varint(words.len() as u64);
        words.iter().for_each(|w| self.varint(w.len() as u64));
        words
            .iter()
            .for_each(|w| self.out.extend_from_slice(w.as_bytes()));
    }
}

/// The distinct values, most frequent first (ties in order of first appearance), and each
/// value's index.
fn dictionary_of<T: Hash + Eq + Copy>(
    values: impl Iterator<Item = T>,
) -> (Vec<T>, HashMap<T, u64>) {
    let mut counts: HashMap<T, (usize, usize)> = HashMap::new();
    for v in values {
        let first_seen = counts.len();
        counts.entry(v).or_insert((0, first_seen)).0 += 1;
    }
    let mut words: Vec<T> = counts.keys().copied().collect();
    words.sort_by_key(|w| {
        let (count, first) = counts[w];
        (std::cmp::Reverse(count), first)
    });
    let index = words
        .iter()
        .enumerate()
        .map(|(i, w)| (*w, i as u64))
        .collect();
    (words, index)
}

/// A word by its index + 1, or none for 0.
fn optional_word<'a>(words: &[&'a str], code: u64) -> Decoded<Option<&'a str>> {
    if code == 0 {
        return Ok(None);
    }
    usize::try_from(code - 1)
        .ok()
        .and_then(|i| words.get(i))
        .map(|w| Some(*w))
        .ok_or(Undecodable("a word index is outside the dictionary"))
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(Undecodable("the body ends in the middle of a table"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    pub(super) fn byte(&mut self) -> Decoded<u8> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn varint(&mut self) -> Decoded<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Undecodable("a number is too long"))
    }

    /// A record count. Every record takes at least one byte, so a count larger than what is
    /// left cannot be honest; refusing it early keeps allocations bounded by the body size.
    pub(super) fn count(&mut self) -> Decoded<usize> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len() - self.pos)
            .ok_or(Undecodable("a count exceeds the body"))
    }

    pub(super) fn deltas(&mut self, n: usize) -> Decoded<Vec<u64>> {
        let mut previous = 0i64;
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            previous = previous.wrapping_add(unzigzag(self.varint()?));
            values.push(previous as u64);
        }
        Ok(values)
    }

    pub(super) fn optional_smalls(&mut self, n: usize) -> Decoded<Vec<Option<u8>>> {
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            values.push(match self.varint()? {
                0 => None,
                v => Some(
                    u8::try_from(v - 1).map_err(|_| Undecodable("a date part is out of range"))?,
                ),
            });
        }
        Ok(values)
    }

    pub(super) fn text(&mut self, len: u64) -> Decoded<String> {
        let len = usize::try_from(len).map_err(|_| Undecodable("a text is too long"))?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Undecodable("a text is not UTF-8"))
    }

    pub(super) fn words(&mut self) -> Decoded<Vec<&'a str>> {
        let n = self.count()?;
        let mut lengths = Vec::with_capacity(n);
        for _ in 0..n {
            lengths.push(
                usize::try_from(self.varint()?).map_err(|_| Undecodable("a word is too long"))?,
            );
        }
        let mut words = Vec::with_capacity(n);
        for len in lengths {
            let bytes = self.take(len)?;
            words.push(std::str::from_utf8(bytes).map_err(|_| Undecodable("a word is not UTF-8"))?);
        }
        Ok(words)
    }

    pub(super) fn bilingual(&mut self, n: usize) -> Decoded<Vec<(String, String)>> {
        let hi_words = self.words()?;
        let en_words = self.words()?;
        let p = self.count()?;
        let mut hi_of_pair = Vec::with_capacity(p);
        for _ in 0..p {
            hi_of_pair.push(optional_word(&hi_words, self.varint()?)?);
        }
        let mut pairs = Vec::with_capacity(p);
        for hi in hi_of_pair {
            pairs.push((hi, optional_word(&en_words, self.varint()?)?));
        }
        let mut hi_counts = Vec::with_capacity(n);
        for _ in 0..n {
            hi_counts.push(self.count()?);
        }
        let mut en_counts = Vec::with_capacity(n);
        for _ in 0..n {
            en_counts.push(self.count()?);
        }
        let mut texts = Vec::with_capacity(n);
        for (hi_count, en_count) in hi_counts.into_iter().zip(en_counts) {
            let (mut hi, mut en) = (String::new(), String::new());
            for i in 0..hi_count.max(en_count) {
                let index = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
                let (hi_word, en_word) = *pairs
                    .get(index)
                    .ok_or(Undecodable("a word pair index is outside the dictionary"))?;
                for (text, count, word) in
                    [(&mut hi, hi_count, hi_word), (&mut en, en_count, en_word)]
                {
                    if i < count {
                        if i > 0 {
                            text.push(' ');
                        }
                        text.push_str(word.ok_or(Undecodable("a word pair lacks a word"))?);
                    }
                }
            }
            texts.push((hi, en));
        }
        Ok(texts)
    }

    pub(super) fn word_index(&mut self, words: &[&'a str]) -> Decoded<&'a str> {
        let i = self.varint()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| words.get(i))
            .copied()
            .ok_or(Undecodable("a word index is outside the dictionary"))
    }

    pub(super) fn dictionary(&mut self, n: usize) -> Decoded<Vec<String>> {
        let words = self.words()?;
        (0..n)
            .map(|_| self.word_index(&words).map(str::to_owned))
            .collect()
    }

    pub(super) fn word_group<const COLUMNS: usize>(
        &mut self,
        n: usize,
    ) -> Decoded<[Vec<String>; COLUMNS]> {
        let words = self.words()?;
        let mut counts = Vec::with_capacity(n * COLUMNS);
        for _ in 0..n * COLUMNS {
            counts.push(self.count()?);
        }
        let mut counts = counts.into_iter();
        let mut columns: [Vec<String>; COLUMNS] = std::array::from_fn(|_| Vec::with_capacity(n));
        for column in columns.iter_mut() {
            for _ in 0..n {
                let pieces = counts.next().unwrap_or(0);
                let mut text = String::new();
                for p in 0..pieces {
                    if p > 0 {
                        text.push(' ');
                    }
                    text.push_str(self.word_index(&words)?);
                }
                column.push(text);
            }
        }
        Ok(columns)
    }
}
