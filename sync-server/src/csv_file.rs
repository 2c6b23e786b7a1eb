//! CSV in and out, through the `csv` crate: files are read by header name (any order, unknown
//! columns ignored, a UTF-8 BOM, CRLF and quoted newlines accepted, each row named by its line)
//! and downloads are written with a BOM, so that Excel shows Hindi, and with no cell a
//! spreadsheet would run as a formula.

use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;

/// Why a CSV file cannot be read at all; a bad row is not this, it is reported by its line.
#[derive(Debug, thiserror::Error)]
pub enum CsvFileError {
    #[error("the file is empty: it needs a header row ({})", .expected.join(","))]
    Empty { expected: Vec<&'static str> },
    #[error("the header has no {} column{}; the header is: {}", .missing.join(", "), if .missing.len() == 1 { "" } else { "s" }, .found.join(","))]
    MissingColumns {
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    #[error("the header row is not UTF-8 text")]
    NotText,
    #[error("cannot read the file: {0}")]
    Read(#[from] std::io::Error),
}

/// One row of a CSV file, as the file's line on which it starts and what it became.
pub type CsvRow<T> = (u64, Result<T, String>);

/// A CSV file whose header has been checked: the rows deserialize into a type by column name.
pub struct CsvTable<R: Read> {
    reader: csv::Reader<LineBreaks<R>>,
    headers: csv::StringRecord,
}

/// The input, remembering where its line breaks are since the last record: the csv crate's
/// own line count is one short after a CRLF and counts blank lines before a record as its
/// start, and a person looks for the line the record's text is on.
struct LineBreaks<R> {
    inner: R,
    read: u64,
    /// Offsets of `\r` and `\n` bytes (with whether it is `\n`) not yet passed.
    breaks: RefCell<VecDeque<(u64, bool)>>,
    /// `\n` bytes already passed and forgotten.
    passed_lines: RefCell<u64>,
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let breaks = self.breaks.get_mut();
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                breaks.push_back((self.read + i as u64, *b == b'\n'));
            }
        }
        self.read += n as u64;
        Ok(n)
    }
}

impl<R> LineBreaks<R> {
    /// The line (from 1) of the first byte at or after `offset` that is not a line break,
    /// forgetting the breaks before it.
    fn line_at(&self, offset: u64) -> u64 {
        let mut breaks = self.breaks.borrow_mut();
        let mut passed = self.passed_lines.borrow_mut();
        while breaks.front().is_some_and(|(o, _)| *o < offset) {
            *passed += u64::from(breaks.pop_front().is_some_and(|(_, nl)| nl));
        }
        let mut at = offset;
        while breaks.front().is_some_and(|(o, _)| *o == at) {
            *passed += u64::from(breaks.pop_front().is_some_and(|(_, nl)| nl));
            at += 1;
        }
        *passed + 1
    }
}

impl<R: Read> CsvTable<R> {
    /// Reads the header row and checks that every `required` column is there (names compare
    /// trimmed and without case, so `Samagra_Member_ID` is `samagra_member_id`).
    pub fn open(input: R, required: &[&'static str]) -> Result<Self, CsvFileError> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(LineBreaks {
                inner: input,
                read: 0,
                breaks: RefCell::new(VecDeque::new()),
                passed_lines: RefCell::new(0),
            });
        let raw = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(header_error(e)),
        };
        let headers: csv::StringRecord = raw
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
            .collect();
        if headers.iter().all(str::is_empty) {
            return Err(CsvFileError::Empty {
                expected: required.to_vec(),
            });
        }
        let missing: Vec<&'static str> = required
            .iter()
            .copied()
            .filter(|r| !headers.iter().any(|h| h == *r))
            .collect();
        if !missing.is_empty() {
            return Err(CsvFileError::MissingColumns {
                missing,
                found: headers.iter().map(str::to_owned).collect(),
            });
        }
        reader.set_headers(headers.clone());
        Ok(Self { reader, headers })
    }

    /// The rows after the header, each deserialized into `T` by column name; blank lines are
    /// skipped. A row that cannot be read says why without quoting its values (they may be
    /// personal data). An error reading the file itself ends the rows with that error.
    pub fn rows<T: DeserializeOwned>(
        &mut self,
    ) -> impl Iterator<Item = Result<CsvRow<T>, CsvFileError>> + '_ {
        let headers = &self.headers;
        let mut records = self.reader.records();
        std::iter::from_fn(move || {
            let record = records.next()?;
            let breaks = records.reader().get_ref();
            Some(row(headers, breaks, record))
        })
    }

    /// How far into the file the reader is, in bytes (for progress on long imports).
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }
}

/// What one record of the file became: `T`, or why not, with the line it starts on.
fn row<T: DeserializeOwned, R>(
    headers: &csv::StringRecord,
    breaks: &LineBreaks<R>,
    record: Result<csv::StringRecord, csv::Error>,
) -> Result<CsvRow<T>, CsvFileError> {
    let record = match record {
        Ok(r) => r,
        Err(e) => {
            let line = e.position().map_or(0, |p| breaks.line_at(p.byte()));
            return match e.into_kind() {
                csv::ErrorKind::Io(io) => Err(CsvFileError::Read(io)),
                csv::ErrorKind::Utf8 { .. } => {
                    Ok((line, Err("the row is not UTF-8 text".to_owned())))
                }
                _ => Ok((line, Err("the row cannot be read as CSV".to_owned()))),
            };
        }
    };
    let line = record.position().map_or(0, |p| breaks.line_at(p.byte()));
    if record.len() != headers.len() {
        let problem = format!(
            "the row has {} columns, the header {}",
            record.len(),
            headers.len()
        );
        return Ok((line, Err(problem)));
    }
    let parsed = record
        .deserialize::<T>(Some(headers))
        .map_err(|e| describe(&e));
    Ok((line, parsed))
}

fn header_error(e: csv::Error) -> CsvFileError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => CsvFileError::Read(io),
        _ => CsvFileError::NotText,
    }
}

/// A deserialization error in words that name the column but never the value.
fn describe(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("column {} cannot be read", i + 1),
            None => "the row cannot be read".to_owned(),
        },
        _ => "the row cannot be read".to_owned(),
    }
}

/// A download: a UTF-8 BOM, the header, then `rows`, CRLF line ends, quoted where needed.
pub fn download<I, R>(head: &[&str], rows: I) -> Vec<u8>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<str>,
{
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer("\u{feff}".as_bytes().to_vec());
    let write = |w: &mut csv::Writer<Vec<u8>>, cells: Vec<String>| {
        // Writing to memory cannot fail: the only error is the writer's own I/O.
        w.write_record(&cells).expect("writing CSV to memory");
    };
    write(&mut out, head.iter().map(|h| guard(h)).collect());
    for row in rows {
        let cells = row.into_iter().map(|c| guard(c.as_ref())).collect();
        write(&mut out, cells);
    }
    out.into_inner().expect("flushing CSV to memory")
}

/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first)
/// opened with `'` so it stays text; a plain negative number stays a number.
fn guard(cell: &str) -> String {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && !(cell.starts_with('-') && cell.parse::<f64>().is_ok()) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Row {
        id: String,
        name: String,
        #[serde(default)]
        note: String,
    }

    fn read(text: &str) -> Result<Vec<CsvRow<Row>>, CsvFileError> {
        let mut table = CsvTable::open(text.as_bytes(), &["id", "name"])?;
        table.rows().collect()
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_with_a_bom_crlf_and_quoted_newlines() {
        let text = "\u{feff}Extra,Name,ID\r\nx,\"Ram, son of\r\nShyam\",1\r\n\r\ny,Sita,2\r\n";
        let rows = read(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first.id, "1");
        assert_eq!(first.name, "Ram, son of\r\nShyam");
        assert_eq!(first.note, "", "an optional column may be absent");
        assert_eq!(
            rows[1].0, 5,
            "the line counts the quoted newline and the blank line"
        );
    }

    #[test]
    fn a_missing_column_is_named_before_any_row() {
        let e = read("id,nam\n1,Ram\n").err().unwrap().to_string();
        assert!(e.contains("no name column"), "{e}");
        assert!(e.contains("id,nam"), "{e}");
        assert!(matches!(read(""), Err(CsvFileError::Empty { .. })));
    }

    #[test]
    fn a_short_row_is_named_by_its_line_and_the_rest_is_read() {
        let rows = read("id,name\n1\n\n\n2,Sita\n").unwrap();
        assert!(rows[0].1.as_ref().unwrap_err().contains("1 columns"));
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[1].1.as_ref().unwrap().name, "Sita");
        assert_eq!(rows[1].0, 5, "blank lines before a row are not its line");
    }

    #[test]
    fn downloads_have_a_bom_and_no_formulas() {
        let bytes = download(
            &["a", "b"],
            [
                vec!["=HYPERLINK(\"x\")", "b,c"],
                vec!["-5", "-2+3"],
                vec!["+91", "@SUM(A1)"],
                vec!["\tx", "लक्ष्मी"],
            ],
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("\u{feff}a,b\r\n"), "{text}");
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"x\"\")\",\"b,c\"");
        assert_eq!(lines[2], "-5,'-2+3");
        assert_eq!(lines[3], "'+91,'@SUM(A1)");
        assert_eq!(lines[4], "'\tx,लक्ष्मी");
    }
}
