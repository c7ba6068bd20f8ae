//! The I/O front end: one input file's bytes become a header and rows of
//! text cells, with the physical lines (CSV) or sheet row (XLSX) of each.
//! CSV is decoded from UTF-8 (with or without BOM) or GB18030/GBK, a large
//! UTF-8 file read in windows (`stream`); XLSX is streamed from its first
//! non-empty sheet, within configured size limits.
//! Nothing here knows about tables or types, but nothing is dropped either:
//! text that cannot be read as records comes out as defect rows, one per
//! physical line, and XLSX cells whose text is not their value (a formula
//! with no saved value, an error) carry a problem.

use std::borrow::Cow;

pub use crate::config::Limits;
use crate::error::FileProblem;
use crate::ingest::records::{csv_window, Walk};
use crate::ingest::stream::{self, Stream};
use crate::ingest::xlsx;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// The format named by a file extension, compared without case.
    pub fn from_extension(ext: &str) -> Result<Format, FileProblem> {
        match ext.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            _ => Err(FileProblem::UnsupportedType { extension: ext.to_string() }),
        }
    }
}

/// Text that could not be read as records: every physical line it covers
/// becomes one row with this rule and reason, so each line is accounted
/// for and the station sees each record it must send again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defect<'a> {
    pub rule: &'static str,
    pub reason: &'a str,
}

/// A cell whose text is not its value: (field index, rule, reason).
pub type CellProblem = (usize, &'static str, String);

/// One row of text cells. `line` is the physical line where a CSV record
/// starts (the header is line 1; `\n`, `\r\n` and a lone `\r` each end a
/// line) or the 1-based sheet row of an XLSX row; `last_line` is where it
/// ends.
#[derive(Debug)]
pub struct Row<'a> {
    pub line: u64,
    pub last_line: u64,
    pub fields: &'a [&'a str],
    pub defect: Option<Defect<'a>>,
    pub cell_problems: &'a [CellProblem],
}

/// A decoded file, ready to be read as rows.
pub struct Sheet<'a> {
    body: Body<'a>,
    pub encoding: &'static str,
    /// What the reader chose on its own (an empty first sheet skipped).
    pub warnings: Vec<String>,
}

enum Body<'a> {
    Empty,
    Csv(Cow<'a, str>),
    /// A large plain UTF-8 file, read in windows as its rows are walked.
    Stream(Stream<'a>),
    /// The rows, and the sheet's width (its rightmost value's column + 1).
    Xlsx(Vec<SheetRow>, usize),
}

/// One non-blank sheet row: its cells that hold something, by column.
/// Rows are padded to the sheet's width only as they are read, so one far
/// value does not make every row wide in memory.
pub(super) struct SheetRow {
    pub(super) line: u64,
    pub(super) cells: Vec<(usize, String)>,
    pub(super) problems: Vec<CellProblem>,
}

/// Decode `bytes` of the given format. Fails only for files that cannot be
/// read at all; bad rows are the validator's business.
pub fn open<'a>(format: Format, bytes: &'a [u8], limits: &Limits) -> Result<Sheet<'a>, FileProblem> {
    match format {
        Format::Csv => {
            let (text, encoding) = decode(bytes)?;
            let body = if text.trim().is_empty() { Body::Empty } else { Body::Csv(text) };
            Ok(Sheet { body, encoding, warnings: Vec::new() })
        }
        Format::Xlsx => {
            if bytes.is_empty() {
                return Ok(Sheet { body: Body::Empty, encoding: "xlsx", warnings: Vec::new() });
            }
            let (rows, warnings) = xlsx::read_workbook(bytes, limits)?;
            let width = rows.iter().flat_map(|r| r.cells.iter().map(|c| c.0 + 1)).max().unwrap_or(0);
            let body = if rows.is_empty() { Body::Empty } else { Body::Xlsx(rows, width) };
            Ok(Sheet { body, encoding: "xlsx", warnings })
        }
    }
}

/// A large plain UTF-8 CSV file, to be read in windows (`stream`).
pub fn stream(s: Stream<'_>) -> Sheet<'_> {
    let encoding = s.plain.encoding();
    let body = if s.plain.blank { Body::Empty } else { Body::Stream(s) };
    Sheet { body, encoding, warnings: Vec::new() }
}

/// UTF-8 (BOM stripped) when valid, else GB18030 (a superset of GBK).
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), FileProblem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileProblem::Utf16);
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let s = std::str::from_utf8(rest).map_err(|e| FileProblem::Encoding { offset: e.valid_up_to() + 3 })?;
        (Cow::Borrowed(s), "utf-8-bom")
    } else {
        match std::str::from_utf8(bytes) {
            Ok(s) => (Cow::Borrowed(s), "utf-8"),
            Err(utf8) => {
                let decoded = encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(bytes)
                    .ok_or(FileProblem::Encoding { offset: utf8.valid_up_to() })?;
                (Cow::Owned(decoded.into_owned()), "gb18030")
            }
        }
    };
    if let Some(offset) = text.find('\0') {
        return Err(FileProblem::Binary { offset });
    }
    Ok((text, encoding))
}

impl Sheet<'_> {
    /// A 0-byte file, a blank CSV or a workbook with no value: "nothing
    /// this month".
    pub fn is_empty(&self) -> bool {
        matches!(self.body, Body::Empty)
    }

    /// The header cells, trimmed.
    pub fn header(&self) -> Result<Vec<String>, FileProblem> {
        let mut header = None;
        self.for_each(true, |row| {
            header = Some(row.fields.iter().map(|f| f.trim().to_string()).collect());
            false
        })?;
        header.ok_or(FileProblem::NoHeader)
    }

    /// Call `f` for every row after the header. Fails only for a file read
    /// in windows that changed since it was scanned.
    pub fn rows(&self, mut f: impl FnMut(Row<'_>)) -> Result<(), FileProblem> {
        self.for_each(false, |row| {
            f(row);
            true
        })
    }

    /// Walk the rows (only the header when `header_only`); `f` returns
    /// false to stop.
    fn for_each(&self, header_only: bool, mut f: impl FnMut(Row<'_>) -> bool) -> Result<(), FileProblem> {
        match &self.body {
            Body::Empty => {}
            Body::Csv(text) => {
                csv_window(text, true, header_only, &mut Walk::start(), &mut f);
            }
            Body::Stream(s) => stream::rows(s, header_only, &mut f)?,
            Body::Xlsx(rows, width) => sheet_rows(rows, *width, header_only, &mut f),
        }
        Ok(())
    }
}

fn sheet_rows(rows: &[SheetRow], width: usize, header_only: bool, f: &mut impl FnMut(Row<'_>) -> bool) {
    let mut fields: Vec<&str> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if (i == 0) != header_only {
            continue;
        }
        fields.clear();
        fields.resize(width, "");
        for (c, text) in &row.cells {
            fields[*c] = text;
        }
        let r =
            Row { line: row.line, last_line: row.line, fields: &fields, defect: None, cell_problems: &row.problems };
        if !f(r) || header_only {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Got = (u64, u64, Vec<String>, Option<&'static str>);

    fn collect(sheet: &Sheet) -> Vec<Got> {
        let mut out = Vec::new();
        sheet
            .rows(|r| {
                out.push((
                    r.line,
                    r.last_line,
                    r.fields.iter().map(|s| s.to_string()).collect(),
                    r.defect.map(|d| d.rule),
                ))
            })
            .unwrap();
        out
    }

    fn csv(text: &str) -> Vec<Got> {
        collect(&open(Format::Csv, text.as_bytes(), &Limits::default()).unwrap())
    }

    fn v(fields: &[&str]) -> Vec<String> {
        fields.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn csv_lines_are_physical_lines() {
        let s = open(Format::Csv, b"a,b\r\n1,\"x\ny\"\r\n2,\"q\"\"\"\r\n\r\n3,z", &Limits::default()).unwrap();
        assert_eq!(s.header().unwrap(), ["a", "b"]);
        let rows = collect(&s);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], (2, 3, v(&["1", "x\ny"]), None));
        assert_eq!(rows[1], (4, 4, v(&["2", "q\""]), None));
        assert_eq!(rows[2], (6, 6, v(&["3", "z"]), None));
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        // Old Mac endings, then mixed.
        let rows = csv("a,b\r1,x\r2,y\r\n3,z\n4,w");
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert_eq!(rows[1].2, v(&["2", "y"]));
    }

    #[test]
    fn an_open_quote_at_the_end_is_a_defect_on_each_line() {
        let rows = csv("a,b\n1,x\n2,\"cut off\n3,more");
        assert_eq!(rows[0], (2, 2, v(&["1", "x"]), None));
        assert_eq!(rows[1], (3, 3, v(&["2", "cut off"]), Some("truncated")));
        assert_eq!(rows[2], (4, 4, v(&["3", "more"]), Some("truncated")));
    }

    #[test]
    fn text_after_a_closing_quote_rejects_every_line_it_swallowed() {
        let mut text = String::from("id,desc\n");
        for i in 1..=6 {
            let desc = match i {
                2 => "\"opened here".to_string(),
                5 => "done\" ok".to_string(),
                _ => format!("d{i}"),
            };
            text.push_str(&format!("R{i},{desc}\n"));
        }
        let rows = csv(&text);
        let got: Vec<(u64, Option<&str>, String)> = rows.iter().map(|r| (r.0, r.3, r.2[0].clone())).collect();
        assert_eq!(
            got,
            [
                (2, None, "R1".into()),
                (3, Some("malformed_quote"), "R2".into()),
                (4, Some("malformed_quote"), "R3".into()),
                (5, Some("malformed_quote"), "R4".into()),
                (6, Some("malformed_quote"), "R5".into()),
                (7, None, "R6".into()),
            ]
        );
        let mut reason = String::new();
        open(Format::Csv, text.as_bytes(), &Limits::default())
            .unwrap()
            .rows(|r| reason = r.defect.map(|d| d.reason.to_string()).unwrap_or(reason.clone()))
            .unwrap();
        assert!(
            reason.starts_with("quoted field opened on line 3 closes on line 6 with text after the quote"),
            "{reason}"
        );
    }

    #[test]
    fn a_quoted_field_swallowing_whole_records_is_a_defect() {
        let rows = csv("id,desc\nR1,\"opened\nR2,x\nR3,y\nend\"\nR4,z\n");
        let rules: Vec<(u64, Option<&str>)> = rows.iter().map(|r| (r.0, r.3)).collect();
        assert_eq!(
            rules,
            [
                (2, Some("malformed_quote")),
                (3, Some("malformed_quote")),
                (4, Some("malformed_quote")),
                (5, Some("malformed_quote")),
                (6, None)
            ]
        );
        // A genuine multi-line description is kept.
        let rows = csv("id,desc\nR1,\"first line\nsecond line, with a comma, and another\nthird\"\nR2,z\n");
        assert_eq!(rows[0], (2, 4, v(&["R1", "first line\nsecond line, with a comma, and another\nthird"]), None));
        // A quote inside an unquoted field is text, as the csv reader reads it.
        assert_eq!(csv("id,desc\nR1,13\" screen\n")[0], (2, 2, v(&["R1", "13\" screen"]), None));
    }

    #[test]
    fn encodings() {
        let (t, e) = decode(b"\xEF\xBB\xBFa").unwrap();
        assert_eq!((t.as_ref(), e), ("a", "utf-8-bom"));
        let (gbk, _, _) = encoding_rs::GBK.encode("维修单号,故障部件");
        let (t, e) = decode(&gbk).unwrap();
        assert_eq!((t.as_ref(), e), ("维修单号,故障部件", "gb18030"));
        assert_eq!(decode(b"\xFF\xFEa\0").unwrap_err(), FileProblem::Utf16);
        assert!(matches!(decode(b"a\0b").unwrap_err(), FileProblem::Binary { offset: 1 }));
        assert!(matches!(decode(b"ok\x80\xFF").unwrap_err(), FileProblem::Encoding { offset: 2 }));
    }

    #[test]
    fn empty_files() {
        let l = Limits::default();
        assert!(open(Format::Csv, b"", &l).unwrap().is_empty());
        assert!(open(Format::Csv, b"\r\n \n", &l).unwrap().is_empty());
        assert!(open(Format::Xlsx, b"", &l).unwrap().is_empty());
        assert!(matches!(open(Format::Xlsx, b"PK\x03\x04garbage", &l), Err(FileProblem::Xlsx { .. })));
    }
}
