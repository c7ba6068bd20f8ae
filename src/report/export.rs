//! Exports beside the pages: every table as CSV (UTF-8 with a byte-order
//! mark, so Excel reads Chinese correctly), and the KPI and station tables
//! as one XLSX workbook. Text that a spreadsheet would run as a formula
//! (starting with `=`, `+`, `-` or `@`, or a tab or carriage return) is
//! neutralised: prefixed with `'` in CSV, and written with Excel's quote
//! prefix in the workbook, so it shows as the text it is.

use super::table::Table;
use crate::error::{Error, Result};
use crate::text::EXPORT_CHARS;

const FORMULA_STARTS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// Would a spreadsheet read this text cell as a formula?
pub fn is_formula_like(s: &str) -> bool {
    s.starts_with(FORMULA_STARTS)
}

/// A text cell as CSV may hold it.
pub fn neutralise(s: &str) -> String {
    if is_formula_like(s) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn number(v: f64) -> String {
    // Integers without a fraction; others with what they have.
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A table as CSV bytes: every row, numbers as numbers.
pub fn csv_bytes(table: &Table) -> Result<Vec<u8>> {
    let err = |e: csv::Error| Error::Report { what: format!("export `{}.csv`", table.id), message: e.to_string() };
    let mut w = csv::WriterBuilder::new().from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(table.headers.iter().map(|h| neutralise(h))).map_err(err)?;
    for row in &table.rows {
        w.write_record(row.iter().map(|c| match c.value {
            Some(v) => number(v),
            None => neutralise(&c.shown(EXPORT_CHARS).text),
        }))
        .map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Report { what: format!("export `{}.csv`", table.id), message: e.to_string() })
}

/// Tables as the sheets of one workbook (sheet names are fixed words).
pub fn xlsx_bytes(sheets: &[(&str, &Table)]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::Report { what: "export workbook".into(), message: e.to_string() };
    let mut wb = Workbook::new();
    // A fixed creation time: the same tables give the same bytes.
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(err)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let bold = Format::new().set_bold();
    let quoted = Format::new().set_quote_prefix();
    for (name, table) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).map_err(err)?;
        for (c, h) in table.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
            ws.set_column_width(c as u16, (h.chars().count() as f64 + 4.0).max(12.0)).map_err(err)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                let cell = cell.shown(EXPORT_CHARS);
                match cell.value {
                    Some(v) => ws.write_number(r, c, v).map_err(err)?,
                    None if is_formula_like(&cell.text) => {
                        ws.write_string_with_format(r, c, &cell.text, &quoted).map_err(err)?
                    }
                    None => ws.write_string(r, c, &cell.text).map_err(err)?,
                };
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::super::table::Cell;
    use super::*;

    fn table() -> Table {
        let mut t = Table::new("kpis", "KPIs", vec!["kpi".into(), "value".into(), "note".into()]);
        t.rows.push(vec![Cell::text("satisfaction"), Cell::pct(Some(0.9641)), Cell::text("=HYPERLINK(\"x\")")]);
        t.rows.push(vec![Cell::text("@SUM(A1)"), Cell::int(-3), Cell::text("+1 pts, -2")]);
        t.rows.push(vec![Cell::text("a,\"b\""), Cell::pct(None), Cell::text("safe")]);
        t
    }

    #[test]
    fn csv_neutralises_formulas_and_keeps_numbers() {
        let bytes = csv_bytes(&table()).expect("csv");
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
        assert_eq!(
            text,
            "kpi,value,note\n\
             satisfaction,0.9641,\"'=HYPERLINK(\"\"x\"\")\"\n\
             '@SUM(A1),-3,\"'+1 pts, -2\"\n\
             \"a,\"\"b\"\"\",–,safe\n"
        );
    }

    #[test]
    fn xlsx_is_deterministic_and_quotes_formula_text() {
        let t = table();
        let a = xlsx_bytes(&[("KPIs", &t)]).expect("xlsx");
        assert_eq!(a, xlsx_bytes(&[("KPIs", &t)]).expect("xlsx"));
        // Read it back: the formula-like text is a string, not a formula.
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(a)).expect("workbook");
        let range = wb.worksheet_range("KPIs").expect("sheet");
        assert_eq!(range.get((1, 2)), Some(&Data::String("=HYPERLINK(\"x\")".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(0.9641)));
        assert_eq!(range.get((2, 1)), Some(&Data::Float(-3.0)));
        let formulas = wb.worksheet_formula("KPIs").expect("formulas");
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no cell holds a formula");
    }
}
