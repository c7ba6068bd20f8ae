//! The I/O front end: one input file's bytes become a header and rows of
//! text cells, with the physical line (CSV) or sheet row (XLSX) of each.
//! CSV is decoded from UTF-8 (with or without BOM) or GB18030/GBK; XLSX is
//! read from its first sheet. Nothing here knows about tables or types.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader};

use crate::error::FileProblem;

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

/// One row of text cells. `line` is the physical line where a CSV record
/// starts (the header is line 1) or the 1-based sheet row of an XLSX row.
#[derive(Debug)]
pub struct Row<'a> {
    pub line: u64,
    pub fields: &'a [&'a str],
    /// The last record of a CSV file ends inside an open quote: the file was
    /// cut off mid-field.
    pub unterminated_quote: bool,
}

/// A decoded file, ready to be read as rows.
pub struct Sheet<'a> {
    body: Body<'a>,
    pub encoding: &'static str,
}

enum Body<'a> {
    Empty,
    Csv(Cow<'a, str>),
    Xlsx(calamine::Range<Data>),
}

/// Decode `bytes` of the given format. Fails only for files that cannot be
/// read at all; bad rows are the validator's business.
pub fn open(format: Format, bytes: &[u8]) -> Result<Sheet<'_>, FileProblem> {
    match format {
        Format::Csv => {
            let (text, encoding) = decode(bytes)?;
            let body = if text.trim().is_empty() { Body::Empty } else { Body::Csv(text) };
            Ok(Sheet { body, encoding })
        }
        Format::Xlsx => {
            if bytes.is_empty() {
                return Ok(Sheet { body: Body::Empty, encoding: "xlsx" });
            }
            let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
                .map_err(|e| FileProblem::Xlsx { message: e.to_string() })?;
            let range = wb
                .worksheet_range_at(0)
                .ok_or(FileProblem::NoSheet)?
                .map_err(|e| FileProblem::Xlsx { message: e.to_string() })?;
            let body = if range.is_empty() { Body::Empty } else { Body::Xlsx(range) };
            Ok(Sheet { body, encoding: "xlsx" })
        }
    }
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
    /// A 0-byte file, a blank CSV or an empty sheet: "nothing this month".
    pub fn is_empty(&self) -> bool {
        matches!(self.body, Body::Empty)
    }

    /// The header cells, trimmed.
    pub fn header(&self) -> Result<Vec<String>, FileProblem> {
        let mut header = None;
        self.for_each(true, |row| {
            header = Some(row.fields.iter().map(|f| f.trim().to_string()).collect());
            false
        });
        header.ok_or(FileProblem::NoHeader)
    }

    /// Call `f` for every row after the header.
    pub fn rows(&self, mut f: impl FnMut(Row<'_>)) {
        self.for_each(false, |row| {
            f(row);
            true
        });
    }

    /// Walk the rows (only the header when `header_only`); `f` returns
    /// false to stop.
    fn for_each(&self, header_only: bool, mut f: impl FnMut(Row<'_>) -> bool) {
        match &self.body {
            Body::Empty => {}
            Body::Csv(text) => csv_rows(text, header_only, &mut f),
            Body::Xlsx(range) => xlsx_rows(range, header_only, &mut f),
        }
    }
}

fn csv_rows(text: &str, header_only: bool, f: &mut impl FnMut(Row<'_>) -> bool) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    // Read one record ahead, so the last one can be checked for a quote
    // that the end of the file cut off.
    let mut cur = csv::ByteRecord::new();
    let mut next = csv::ByteRecord::new();
    // Reading from memory cannot fail: with `flexible`, csv only errors on
    // I/O, and invalid UTF-8 is impossible after `decode`.
    let mut have = reader.read_byte_record(&mut cur).unwrap_or(false);
    let mut first = true;
    let bytes = text.as_bytes();
    // (offset, line number there): csv's own line count starts a record at
    // the end of the previous one, before a CRLF's `\n` or blank lines, so
    // lines are counted here from where the record's text really starts.
    let mut at = (0usize, 1u64);
    // The field slices of the previous row, emptied: one allocation per file.
    let mut spare: Vec<&str> = Vec::new();
    while have {
        let more = !header_only && reader.read_byte_record(&mut next).unwrap_or(false);
        let mut start = cur.position().map(|p| p.byte() as usize).unwrap_or(0).min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        at.1 += bytes[at.0..start].iter().filter(|&&b| b == b'\n').count() as u64;
        at.0 = start;
        let unterminated_quote = !more && !header_only && odd_quotes(&bytes[start..]);
        // Delimiters are ASCII, so every field of valid UTF-8 is valid UTF-8.
        let mut fields = recycle(std::mem::take(&mut spare));
        fields.extend(cur.iter().map(|b| std::str::from_utf8(b).unwrap_or("")));
        if header_only || !first {
            let go_on = f(Row { line: at.1, fields: &fields, unterminated_quote });
            if !go_on || header_only {
                return;
            }
        }
        first = false;
        spare = recycle(fields);
        std::mem::swap(&mut cur, &mut next);
        have = more;
    }
}

/// An emptied vector of any lifetime, keeping its allocation (the collect
/// reuses the buffer in place because the element layout is the same).
fn recycle<'x>(mut v: Vec<&str>) -> Vec<&'x str> {
    v.clear();
    v.into_iter().map(|_| "").collect()
}

/// True when `tail` (the last record to the end of the file) leaves a
/// quoted field open: escaped quotes come in pairs, so an odd count means
/// the closing quote is missing.
fn odd_quotes(tail: &[u8]) -> bool {
    tail.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

fn xlsx_rows(range: &calamine::Range<Data>, header_only: bool, f: &mut impl FnMut(Row<'_>) -> bool) {
    let first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    let mut cells: Vec<String> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        if i > 0 && header_only {
            return;
        }
        if i == 0 && !header_only {
            continue;
        }
        cells.clear();
        cells.extend(row.iter().map(cell_text));
        // A row whose cells are all empty is a blank line, as in CSV.
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        let fields: Vec<&str> = cells.iter().map(String::as_str).collect();
        if !f(Row { line: first_row + i as u64 + 1, fields: &fields, unterminated_quote: false }) {
            return;
        }
    }
}

/// The text a spreadsheet cell stands for, in the forms the validator
/// parses: whole numbers without `.0`, datetimes as `YYYY-MM-DD HH:MM:SS`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", *x as i64)
            } else {
                format!("{x}")
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(sheet: &Sheet) -> Vec<(u64, Vec<String>, bool)> {
        let mut out = Vec::new();
        sheet.rows(|r| out.push((r.line, r.fields.iter().map(|s| s.to_string()).collect(), r.unterminated_quote)));
        out
    }

    #[test]
    fn csv_lines_are_physical_lines() {
        let s = open(Format::Csv, b"a,b\r\n1,\"x\ny\"\r\n2,\"q\"\"\"\r\n\r\n3,z").unwrap();
        assert_eq!(s.header().unwrap(), ["a", "b"]);
        let rows = collect(&s);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], (2, vec!["1".into(), "x\ny".into()], false));
        assert_eq!(rows[1], (4, vec!["2".into(), "q\"".into()], false));
        assert_eq!(rows[2], (6, vec!["3".into(), "z".into()], false));
    }

    #[test]
    fn an_open_quote_at_the_end_is_flagged() {
        let s = open(Format::Csv, b"a,b\n1,x\n2,\"cut off").unwrap();
        let rows = collect(&s);
        assert!(!rows[0].2);
        assert_eq!(rows[1], (3, vec!["2".into(), "cut off".into()], true));
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
        assert!(open(Format::Csv, b"").unwrap().is_empty());
        assert!(open(Format::Csv, b"\r\n \n").unwrap().is_empty());
        assert!(open(Format::Xlsx, b"").unwrap().is_empty());
        assert!(matches!(open(Format::Xlsx, b"PK\x03\x04garbage"), Err(FileProblem::Xlsx { .. })));
    }
}
