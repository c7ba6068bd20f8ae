//! XLSX workbooks, streamed: the zip's declared sizes and shared-string
//! count checked against `[limits]` before calamine parses anything, then
//! the first sheet that holds a value read cell by cell (no dense range),
//! each cell as the text the validator parses, or with the problem that
//! keeps its text from being its value.

use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

use crate::error::FileProblem;
use crate::ingest::read::{Limits, SheetRow};

fn too_large(what: String) -> FileProblem {
    FileProblem::TooLarge { what }
}

/// Check the zip's declared sizes and the shared-string count before the
/// workbook is parsed (calamine reserves room for the declared count).
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), FileProblem> {
    let xlsx = |e: zip::result::ZipError| FileProblem::Xlsx { message: e.to_string() };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(xlsx)?;
    let max = limits.xlsx_max_uncompressed_mb as u128 * 1_000_000;
    // The central directory's sizes (`decompressed_size()` gives up on
    // parts written with a data descriptor, as most writers do).
    let mut total: u128 = 0;
    for i in 0..zip.len() {
        total += zip.by_index_raw(i).map_err(xlsx)?.size() as u128;
    }
    if total > max {
        return Err(too_large(format!(
            "the workbook unpacks to {} MB, over the limit of {} MB",
            total / 1_000_000,
            limits.xlsx_max_uncompressed_mb
        )));
    }
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok()).map(|n| n.into_owned()).collect();
    for name in names.iter().filter(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml")) {
        let mut part = zip.by_name(name).map_err(xlsx)?;
        let size = part.size();
        let mut head = Vec::with_capacity(4096);
        (&mut part).take(4096).read_to_end(&mut head).map_err(|e| FileProblem::Xlsx { message: e.to_string() })?;
        let head = String::from_utf8_lossy(&head);
        let declared = |attr: &str| -> Option<u64> {
            let at = head.find(&format!("{attr}=\""))? + attr.len() + 2;
            head[at..].split('"').next()?.trim().parse().ok()
        };
        // Each distinct string takes at least `<si><t/></si>` (13 bytes).
        // (`count` counts the cells that use them, and may be far larger.)
        if let Some(n) = declared("uniqueCount") {
            if n > size / 13 + 1 {
                return Err(too_large(format!(
                    "its shared-string table declares {n} strings in {size} bytes; the workbook is damaged or crafted"
                )));
            }
        }
    }
    Ok(())
}

/// The rows of the first sheet that holds a value, streamed cell by cell
/// (no dense range is built), each row padded to the sheet's width.
pub(super) fn read_workbook(bytes: &[u8], limits: &Limits) -> Result<(Vec<SheetRow>, Vec<String>), FileProblem> {
    check_zip(bytes, limits)?;
    let xlsx = |e: calamine::XlsxError| FileProblem::Xlsx { message: e.to_string() };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx)?;
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(FileProblem::NoSheet);
    }
    let mut warnings = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let rows = read_sheet(&mut wb, name, limits)?;
        if rows.is_empty() {
            continue;
        }
        if i > 0 {
            let skipped: Vec<String> = names[..i].iter().map(|n| format!("`{n}`")).collect();
            warnings.push(format!("sheet {} empty: read sheet `{name}` (sheet {})", skipped.join(", "), i + 1));
        }
        return Ok((rows, warnings));
    }
    Ok((Vec::new(), warnings))
}

fn read_sheet(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str, limits: &Limits) -> Result<Vec<SheetRow>, FileProblem> {
    let xlsx = |e: calamine::XlsxError| FileProblem::Xlsx { message: e.to_string() };
    let mut reader = wb.worksheet_cells_reader(name).map_err(xlsx)?;
    // (row, column, text, problem) of every cell that holds something.
    let mut cells: Vec<(u32, u32, String, Option<(&'static str, String)>)> = Vec::new();
    while let Some(cell) = reader.next_cell_with_formula().map_err(xlsx)? {
        let (row, col) = cell.pos;
        let (text, problem) = match (&cell.value, &cell.formula) {
            (DataRef::Empty, None) => continue,
            (DataRef::Empty, Some(formula)) => (
                String::new(),
                Some((
                    "formula_without_value",
                    format!(
                        "cell {} holds the formula `={formula}` with no saved value; open the file in a \
                         spreadsheet program and save it, or paste the values",
                        cell_ref(row, col)
                    ),
                )),
            ),
            (DataRef::Error(e), _) => (
                String::new(),
                Some(("cell_error", format!("cell {} holds the error {e}, not a value", cell_ref(row, col)))),
            ),
            (value, _) => {
                let text = cell_text(value);
                if text.is_empty() {
                    continue;
                }
                (text, None)
            }
        };
        if row >= limits.xlsx_max_rows {
            return Err(too_large(format!(
                "sheet `{name}` has a value in row {}, over the limit of {} rows",
                row as u64 + 1,
                limits.xlsx_max_rows
            )));
        }
        if col >= limits.xlsx_max_columns {
            return Err(too_large(format!(
                "sheet `{name}` has a value in cell {}, beyond the limit of {} columns",
                cell_ref(row, col),
                limits.xlsx_max_columns
            )));
        }
        cells.push((row, col, text, problem));
    }
    cells.sort_by_key(|c| (c.0, c.1));
    let mut rows: Vec<SheetRow> = Vec::new();
    for (row, col, text, problem) in cells {
        let line = row as u64 + 1;
        if rows.last().is_none_or(|r| r.line != line) {
            rows.push(SheetRow { line, cells: Vec::new(), problems: Vec::new() });
        }
        let r = rows.last_mut().expect("just pushed");
        // A cell given twice (a crafted sheet): the later one wins, as a
        // spreadsheet program would show it.
        match r.cells.last_mut() {
            Some(last) if last.0 == col as usize => last.1 = text,
            _ => r.cells.push((col as usize, text)),
        }
        if let Some((rule, reason)) = problem {
            r.problems.push((col as usize, rule, reason));
        }
    }
    Ok(rows)
}

/// `A1`-style name of a 0-based (row, column).
pub fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col as u64 + 1;
    while c > 0 {
        letters.push(b'A' + ((c - 1) % 26) as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

/// The text a spreadsheet cell stands for, in the forms the validator
/// parses: whole numbers without `.0`, datetimes as `YYYY-MM-DD HH:MM:SS`.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", *x as i64)
            } else {
                format!("{x}")
            }
        }
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => dt.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(4, 25), "Z5");
        assert_eq!(cell_ref(0, 26), "AA1");
        assert_eq!(cell_ref(1_048_575, 16_383), "XFD1048576");
    }
}
