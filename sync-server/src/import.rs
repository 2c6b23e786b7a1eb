//! Imports from files: the LGD location hierarchy (CSV) and Samagra records (JSON Lines or
//! CSV), streaming, in chunks that each commit, resumable from a progress file, idempotent.
//! A bad row is reported with its line number and reason and does not stop the rest.

use panjiyan_core::location::{Level, Place};
use panjiyan_core::samagra::{BirthDate, CasteCategory, Family, Gender, Member, Relation};
use panjiyan_core::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};
use serde::{Deserialize, Serialize};

/// One line of a Samagra JSON Lines file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamagraLine {
    Family(Family),
    Member(Member),
}

/// A row that could not be imported: where, and why (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
}

/// The columns of the LGD CSV: code, level, name_hi, name_en, parent.
pub const LOCATION_HEADER: &str = "code,level,name_hi,name_en,parent";

/// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

pub fn parse_location(line: &str) -> Result<Place, String> {
    let f = csv_fields(line);
    if f.len() != 5 {
        return Err(format!(
            "expected 5 columns ({LOCATION_HEADER}), found {}",
            f.len()
        ));
    }
    let level = crate::storage::parse_level(f[1].trim())
        .ok_or_else(|| format!("unknown level {:?}", f[1]))?;
    let code = LgdCode::parse(&f[0]).map_err(|e| format!("code: {e}"))?;
    let parent = match f[4].trim() {
        "" => None,
        p => Some(LgdCode::parse(p).map_err(|e| format!("parent: {e}"))?),
    };
    if f[2].trim().is_empty() || f[3].trim().is_empty() {
        return Err("a place needs both a Hindi and an English name".into());
    }
    if level != Level::State && parent.is_none() {
        return Err("only a state may have no parent".into());
    }
    Ok(Place {
        code,
        level,
        name_hi: f[2].trim().into(),
        name_en: f[3].trim().into(),
        parent,
    })
}

/// The Samagra CSV layout: one row per member, with the family's fields repeated.
pub const SAMAGRA_HEADER: &str = "family_id,unit_code,address_hi,address_en,head_member_id,member_id,name_hi,name_en,guardian_name_hi,guardian_name_en,gender,birth_year,birth_month,birth_day,relation,caste";

fn enum_of<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_lowercase()))
        .map_err(|_| format!("unknown {what} {text:?}"))
}

/// Parses one Samagra CSV row into its family and member.
pub fn parse_samagra_csv(line: &str) -> Result<(Family, Member), String> {
    let f = csv_fields(line);
    if f.len() != 16 {
        return Err(format!(
            "expected 16 columns ({SAMAGRA_HEADER}), found {}",
            f.len()
        ));
    }
    let family_id = SamagraFamilyId::parse(&f[0]).map_err(|e| e.to_string())?;
    let unit_code = LgdCode::parse(&f[1]).map_err(|e| format!("unit_code: {e}"))?;
    let head = SamagraMemberId::parse(&f[4]).map_err(|e| format!("head_member_id: {e}"))?;
    let member_id = SamagraMemberId::parse(&f[5]).map_err(|e| e.to_string())?;
    let year: i32 = f[11]
        .trim()
        .parse()
        .map_err(|_| "birth_year must be a year".to_owned())?;
    if !(1900..=2100).contains(&year) {
        return Err("birth_year is out of range".into());
    }
    let opt = |s: &str, max: u8, what: &str| -> Result<Option<u8>, String> {
        match s.trim() {
            "" => Ok(None),
            v => v
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .ok_or_else(|| format!("{what} is out of range")),
        }
    };
    if f[6].trim().is_empty() || f[7].trim().is_empty() {
        return Err("a member needs both a Hindi and an English name".into());
    }
    let family = Family {
        family_id: family_id.clone(),
        unit_code,
        address_hi: f[2].trim().into(),
        address_en: f[3].trim().into(),
        head_member_id: head,
    };
    let member = Member {
        member_id,
        family_id,
        name_hi: f[6].trim().into(),
        name_en: f[7].trim().into(),
        guardian_name_hi: f[8].trim().into(),
        guardian_name_en: f[9].trim().into(),
        gender: enum_of::<Gender>("gender", &f[10])?,
        birth: BirthDate {
            year,
            month: opt(&f[12], 12, "birth_month")?,
            day: opt(&f[13], 31, "birth_day")?,
        },
        relation: enum_of::<Relation>("relation", &f[14])?,
        caste: enum_of::<CasteCategory>("caste", &f[15])?,
    };
    Ok((family, member))
}

/// Parses one JSON Lines row.
pub fn parse_samagra_json(line: &str) -> Result<SamagraLine, String> {
    // serde's message names the field and what was expected; it may quote a value, so only the
    // category and position are kept.
    serde_json::from_str(line).map_err(|e| {
        format!(
            "not a family or member record ({:?} at column {})",
            e.classify(),
            e.column()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_csv_fields_keep_their_commas_and_quotes() {
        assert_eq!(
            csv_fields(r#"a,"b, c","say ""hi""",,"#),
            ["a", "b, c", "say \"hi\"", "", ""]
        );
    }

    #[test]
    fn a_samagra_row_with_a_bad_id_says_which_field() {
        let good = "12345678,500001,पता,Address,123456789,123456789,राम,Ram,श्याम,Shyam,male,1980,,,head,obc";
        let (family, member) = parse_samagra_csv(good).unwrap();
        assert_eq!(family.family_id.as_str(), "12345678");
        assert!(member.birth.is_estimated());
        let bad = good.replacen("123456789,123456789", "123456789,12345", 1);
        assert!(parse_samagra_csv(&bad).unwrap_err().contains("member ID"));
        let bad_relation = good.replace(",head,", ",uncle,");
        assert!(
            parse_samagra_csv(&bad_relation)
                .unwrap_err()
                .contains("relation")
        );
    }

    #[test]
    fn a_location_row_needs_a_known_level_and_a_parent() {
        assert!(parse_location("23,state,मध्य प्रदेश,Madhya Pradesh,").is_ok());
        assert!(
            parse_location("401,district,भोपाल,Bhopal,")
                .unwrap_err()
                .contains("parent")
        );
        assert!(
            parse_location("401,county,भोपाल,Bhopal,23")
                .unwrap_err()
                .contains("level")
        );
    }
}

/// A department's list of workers: a CSV with a header row naming a `samagra_member_id`
/// column (any other columns are ignored). Returns the member IDs in file order without
/// repeats, and the rows that are not a valid ID (line numbers count the header as line 1).
pub fn parse_member_list(text: &str) -> Result<(Vec<String>, Vec<BadRow>), String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or("the file is empty")?;
    let column = csv_fields(header.trim_start_matches('\u{feff}'))
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case("samagra_member_id"))
        .ok_or("the header has no samagra_member_id column")?;
    let mut seen = std::collections::HashSet::new();
    let (mut ids, mut bad) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let fields = csv_fields(line);
        let raw = fields.get(column).map(|f| f.trim()).unwrap_or_default();
        match SamagraMemberId::parse(raw) {
            Ok(id) => {
                if seen.insert(id.to_string()) {
                    ids.push(id.to_string());
                }
            }
            Err(e) => bad.push(BadRow {
                line: i as u64 + 1,
                reason: format!("samagra_member_id: {e}"),
            }),
        }
    }
    Ok((ids, bad))
}

#[cfg(test)]
mod member_list_tests {
    use super::parse_member_list;

    #[test]
    fn lists_are_read_by_their_header_and_bad_rows_named() {
        let text = "\u{feff}Name,Samagra_Member_ID,village\nA,510000001,x\nB,51000000,y\nC,510000001,z\n\nD,510000002,w\n";
        let (ids, bad) = parse_member_list(text).unwrap();
        assert_eq!(ids, ["510000001", "510000002"], "repeats once, order kept");
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
        assert!(
            parse_member_list("name,id\nA,510000001\n")
                .unwrap_err()
                .contains("samagra_member_id")
        );
        assert!(parse_member_list("").is_err());
    }
}
