//! Reading the files a campaign is loaded from: the LGD location hierarchy (CSV), Samagra
//! records (CSV or JSON Lines), departments' member lists (CSV) and which districts border
//! which (CSV), each CSV by header name.
//! A bad row is reported with its line number and reason and does not stop the rest.

use crate::csv_file::{CsvFileError, CsvRow, CsvTable};
use panjiyan_core::location::{Level, Place};
use panjiyan_core::samagra::{BirthDate, CasteCategory, Family, Gender, Member, Relation};
use panjiyan_core::validate::{LgdCode, SamagraFamilyId, SamagraMemberId};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Read};

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

/// One row of the LGD CSV (columns by name: code, level, name_hi, name_en, parent).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocationRow {
    pub code: String,
    pub level: String,
    pub name_hi: String,
    pub name_en: String,
    #[serde(default)]
    pub parent: String,
}

/// The columns an LGD CSV must have; `parent` may be empty only for a state.
pub const LOCATION_COLUMNS: &[&str] = &["code", "level", "name_hi", "name_en", "parent"];

impl LocationRow {
    pub fn of(p: &Place) -> Self {
        Self {
            code: p.code.to_string(),
            level: crate::storage::level_text(p.level).to_owned(),
            name_hi: p.name_hi.clone(),
            name_en: p.name_en.clone(),
            parent: p.parent.as_ref().map(|c| c.to_string()).unwrap_or_default(),
        }
    }

    pub fn place(&self) -> Result<Place, String> {
        let level = crate::storage::parse_level(self.level.trim())
            .ok_or_else(|| "level is not one of state, district, block, gram_panchayat, village, urban_body, ward".to_owned())?;
        let code = LgdCode::parse(self.code.trim()).map_err(|e| format!("code: {e}"))?;
        let parent = match self.parent.trim() {
            "" => None,
            p => Some(LgdCode::parse(p).map_err(|e| format!("parent: {e}"))?),
        };
        if self.name_hi.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err("a place needs both a Hindi and an English name".into());
        }
        if level != Level::State && parent.is_none() {
            return Err("only a state may have no parent".into());
        }
        Ok(Place {
            code,
            level,
            name_hi: self.name_hi.trim().into(),
            name_en: self.name_en.trim().into(),
            parent,
        })
    }
}

/// Reads an LGD CSV: the places, and the rows that are not places.
pub fn read_locations(input: impl Read) -> Result<(Vec<Place>, Vec<BadRow>), CsvFileError> {
    let mut table = CsvTable::open(input, LOCATION_COLUMNS)?;
    let (mut places, mut bad) = (Vec::new(), Vec::new());
    for row in table.rows::<LocationRow>() {
        let (line, row) = row?;
        match row.and_then(|r| r.place()) {
            Ok(p) => places.push(p),
            Err(reason) => bad.push(BadRow { line, reason }),
        }
    }
    Ok((places, bad))
}

/// One row of the neighbouring districts' CSV.
#[derive(Debug, Clone, Deserialize)]
struct NeighbourRow {
    district_code: String,
    neighbour_code: String,
}

/// The columns a neighbouring districts' CSV must have.
pub const NEIGHBOUR_COLUMNS: &[&str] = &["district_code", "neighbour_code"];

/// A pair of neighbouring districts' LGD codes, with the line it was read from.
pub type NeighbourPair = (u64, String, String);

/// Reads a neighbouring districts' CSV: each pair of LGD codes with its line, and the rows
/// that are not such a pair. Whether the codes are districts is for the database to say.
pub fn read_neighbours(
    input: impl Read,
) -> Result<(Vec<NeighbourPair>, Vec<BadRow>), CsvFileError> {
    let mut table = CsvTable::open(input, NEIGHBOUR_COLUMNS)?;
    let (mut pairs, mut bad) = (Vec::new(), Vec::new());
    for row in table.rows::<NeighbourRow>() {
        let (line, row) = row?;
        let pair = row.and_then(|r| {
            let code = |field: &str, v: &str| {
                LgdCode::parse(v.trim())
                    .map(|c| c.to_string())
                    .map_err(|e| format!("{field}: {e}"))
            };
            let (a, b) = (
                code("district_code", &r.district_code)?,
                code("neighbour_code", &r.neighbour_code)?,
            );
            if a == b {
                return Err("a district does not border itself".to_owned());
            }
            Ok((a, b))
        });
        match pair {
            Ok((a, b)) => pairs.push((line, a, b)),
            Err(reason) => bad.push(BadRow { line, reason }),
        }
    }
    Ok((pairs, bad))
}

/// One row of a Samagra CSV: a member, with the family's fields repeated. Columns by name.
#[derive(Debug, Clone, Deserialize)]
pub struct SamagraCsvRow {
    pub family_id: String,
    pub unit_code: String,
    #[serde(default)]
    pub address_hi: String,
    #[serde(default)]
    pub address_en: String,
    pub head_member_id: String,
    pub member_id: String,
    pub name_hi: String,
    pub name_en: String,
    #[serde(default)]
    pub guardian_name_hi: String,
    #[serde(default)]
    pub guardian_name_en: String,
    pub gender: String,
    pub birth_year: String,
    #[serde(default)]
    pub birth_month: String,
    #[serde(default)]
    pub birth_day: String,
    pub relation: String,
    pub caste: String,
}

/// The columns a Samagra CSV must have; addresses, guardians' names and the birth month and
/// day may be left out.
pub const SAMAGRA_COLUMNS: &[&str] = &[
    "family_id",
    "unit_code",
    "head_member_id",
    "member_id",
    "name_hi",
    "name_en",
    "gender",
    "birth_year",
    "relation",
    "caste",
];

fn enum_of<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_lowercase()))
        .map_err(|_| format!("{what} is not one of the known values"))
}

impl SamagraCsvRow {
    /// The row's family and member, checked.
    pub fn records(&self) -> Result<(Family, Member), String> {
        let family_id =
            SamagraFamilyId::parse(self.family_id.trim()).map_err(|e| format!("family_id: {e}"))?;
        let unit_code =
            LgdCode::parse(self.unit_code.trim()).map_err(|e| format!("unit_code: {e}"))?;
        let head = SamagraMemberId::parse(self.head_member_id.trim())
            .map_err(|e| format!("head_member_id: {e}"))?;
        let member_id =
            SamagraMemberId::parse(self.member_id.trim()).map_err(|e| format!("member_id: {e}"))?;
        let year: i32 = self
            .birth_year
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
        if self.name_hi.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err("a member needs both a Hindi and an English name".into());
        }
        let family = Family {
            family_id: family_id.clone(),
            unit_code,
            address_hi: self.address_hi.trim().into(),
            address_en: self.address_en.trim().into(),
            head_member_id: head,
        };
        let member = Member {
            member_id,
            family_id,
            name_hi: self.name_hi.trim().into(),
            name_en: self.name_en.trim().into(),
            guardian_name_hi: self.guardian_name_hi.trim().into(),
            guardian_name_en: self.guardian_name_en.trim().into(),
            gender: enum_of::<Gender>("gender", &self.gender)?,
            birth: BirthDate {
                year,
                month: opt(&self.birth_month, 12, "birth_month")?,
                day: opt(&self.birth_day, 31, "birth_day")?,
            },
            relation: enum_of::<Relation>("relation", &self.relation)?,
            caste: enum_of::<CasteCategory>("caste", &self.caste)?,
        };
        Ok((family, member))
    }
}

/// A Samagra file being read: CSV by header, or JSON Lines, one record a line.
pub enum SamagraFile<R: Read> {
    Csv(CsvTable<R>),
    JsonLines(JsonLines<R>),
}

/// A JSON Lines file being read, with how far it is.
pub struct JsonLines<R: Read> {
    lines: std::io::Lines<std::io::BufReader<R>>,
    line: u64,
    bytes: u64,
}

impl<R: Read> SamagraFile<R> {
    /// Opens `input` as CSV (`csv`) or JSON Lines; a CSV's header is checked here.
    pub fn open(input: R, csv: bool) -> Result<Self, CsvFileError> {
        Ok(if csv {
            Self::Csv(CsvTable::open(input, SAMAGRA_COLUMNS)?)
        } else {
            Self::JsonLines(JsonLines {
                lines: std::io::BufReader::new(input).lines(),
                line: 0,
                bytes: 0,
            })
        })
    }

    /// Every record of the file with the line it starts on: what it holds, or why not.
    pub fn records(
        &mut self,
    ) -> Box<dyn Iterator<Item = Result<CsvRow<Vec<SamagraLine>>, CsvFileError>> + '_> {
        match self {
            Self::Csv(table) => Box::new(table.rows::<SamagraCsvRow>().map(|row| {
                row.map(|(line, r)| {
                    let records = r
                        .and_then(|r| r.records())
                        .map(|(f, m)| vec![SamagraLine::Family(f), SamagraLine::Member(m)]);
                    (line, records)
                })
            })),
            Self::JsonLines(file) => Box::new(std::iter::from_fn(|| {
                loop {
                    let line = file.lines.next()?;
                    file.line += 1;
                    match line {
                        Err(e) => return Some(Err(CsvFileError::Read(e))),
                        Ok(l) => {
                            file.bytes += l.len() as u64 + 1;
                            let l = l.trim_start_matches('\u{feff}');
                            if !l.trim().is_empty() {
                                let parsed = parse_samagra_json(l).map(|s| vec![s]);
                                return Some(Ok((file.line, parsed)));
                            }
                        }
                    }
                }
            })),
        }
    }

    /// Bytes read so far, for progress.
    pub fn bytes_read(&self) -> u64 {
        match self {
            Self::Csv(table) => table.bytes_read(),
            Self::JsonLines(file) => file.bytes,
        }
    }
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

/// A department's list of workers: a CSV with a header row naming a `samagra_member_id`
/// column (any other columns are ignored). Returns the member IDs in file order without
/// repeats, and the rows that are not a valid ID (line numbers count the header as line 1).
pub fn parse_member_list(text: &str) -> Result<(Vec<String>, Vec<BadRow>), String> {
    #[derive(Deserialize)]
    struct ListRow {
        samagra_member_id: String,
    }
    let mut table =
        CsvTable::open(text.as_bytes(), &["samagra_member_id"]).map_err(|e| e.to_string())?;
    let mut seen = std::collections::HashSet::new();
    let (mut ids, mut bad) = (Vec::new(), Vec::new());
    for row in table.rows::<ListRow>() {
        let (line, row) = row.map_err(|e| e.to_string())?;
        match row.and_then(|r| {
            SamagraMemberId::parse(r.samagra_member_id.trim())
                .map_err(|e| format!("samagra_member_id: {e}"))
        }) {
            Ok(id) => {
                if seen.insert(id.to_string()) {
                    ids.push(id.to_string());
                }
            }
            Err(reason) => bad.push(BadRow { line, reason }),
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

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "family_id,unit_code,address_hi,address_en,head_member_id,member_id,name_hi,name_en,guardian_name_hi,guardian_name_en,gender,birth_year,birth_month,birth_day,relation,caste";

    fn samagra(text: &str) -> Result<Vec<CsvRow<Vec<SamagraLine>>>, CsvFileError> {
        let mut file = SamagraFile::open(text.as_bytes(), true)?;
        file.records().collect()
    }

    #[test]
    fn a_samagra_csv_in_another_order_with_a_bom_crlf_and_quoted_text_imports() {
        let text = "\u{feff}caste,relation,Member_ID,family_id,unit_code,head_member_id,name_en,name_hi,gender,birth_year,address_en,remarks\r\n\
                    obc,head,123456789,12345678,500001,123456789,\"Ram, the elder\",राम,male,1980,\"Ward 4\r\nnear the well\",x\r\n\
                    sc,spouse,123456790,12345678,500001,123456789,Sita,सीता,female,1984,,\r\n";
        let rows = samagra(text).unwrap();
        assert_eq!(rows.len(), 2);
        let (line, first) = &rows[0];
        assert_eq!(*line, 2);
        let [SamagraLine::Family(f), SamagraLine::Member(m)] = first.as_ref().unwrap().as_slice()
        else {
            panic!("a family and a member")
        };
        assert_eq!(f.address_en, "Ward 4\r\nnear the well");
        assert_eq!(m.name_en, "Ram, the elder");
        assert!(m.birth.is_estimated());
        assert_eq!(rows[1].0, 4, "the quoted newline counts as a line");
        assert!(rows[1].1.is_ok());
    }

    #[test]
    fn a_samagra_csv_without_a_required_column_is_refused_naming_it() {
        let text = HEADER.replace(",member_id,", ",id,") + "\n";
        let e = samagra(&text).err().unwrap().to_string();
        assert!(e.contains("no member_id column"), "{e}");
    }

    #[test]
    fn a_samagra_row_with_a_bad_id_says_which_field_and_not_its_value() {
        let good = "12345678,500001,पता,Address,123456789,123456789,राम,Ram,श्याम,Shyam,male,1980,,,head,obc";
        let bad_id = good.replacen("123456789,123456789", "123456789,12345", 1);
        let bad_relation = good.replace(",head,", ",uncle,");
        let text = format!("{HEADER}\n{good}\n{bad_id}\n{bad_relation}\n");
        let rows = samagra(&text).unwrap();
        assert!(rows[0].1.is_ok());
        let e = rows[1].1.as_ref().unwrap_err();
        assert!(e.contains("member_id") && !e.contains("12345"), "{e}");
        let e = rows[2].1.as_ref().unwrap_err();
        assert!(e.contains("relation") && !e.contains("uncle"), "{e}");
        assert_eq!((rows[1].0, rows[2].0), (3, 4));
    }

    #[test]
    fn a_location_row_needs_a_known_level_and_a_parent() {
        let text = "name_en,code,level,name_hi,parent\r\nMadhya Pradesh,23,state,मध्य प्रदेश,\r\nBhopal,401,district,भोपाल,\r\nBhopal,401,county,भोपाल,23\r\nBhopal,401,district,भोपाल,23\r\n";
        let (places, bad) = read_locations(text.as_bytes()).unwrap();
        assert_eq!(places.len(), 2);
        assert_eq!(places[1].name_en, "Bhopal");
        assert_eq!(bad.len(), 2);
        assert!(bad[0].reason.contains("parent") && bad[0].line == 3);
        assert!(bad[1].reason.contains("level") && bad[1].line == 4);
        let e = read_locations("code,name\n".as_bytes()).err().unwrap();
        assert!(
            e.to_string().contains("level, name_hi, name_en, parent"),
            "{e}"
        );
    }

    #[test]
    fn json_lines_are_numbered_and_blank_lines_skipped() {
        let mut file = SamagraFile::open("\n{\"oops\":1}\n".as_bytes(), false).unwrap();
        let rows: Vec<_> = file.records().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert!(
            rows[0]
                .1
                .as_ref()
                .unwrap_err()
                .contains("not a family or member")
        );
    }
}
