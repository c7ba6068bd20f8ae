//! `qfb template`: the stations' workbooks carry a validation on every
//! typed column, with exactly the configured codes, and a template filled
//! with valid rows by a spreadsheet writer loads with zero rejects.

use std::io::Read;

use calamine::{Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::workdir::*;

/// The data validations of a workbook's first sheet: (type, column letter,
/// formula1), read from its XML.
fn validations(bytes: &[u8]) -> Vec<(String, String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    let attr = |tag: &str, name: &str| -> String {
        let start = tag.find(&format!(" {name}=\"")).map(|i| i + name.len() + 3).unwrap_or(0);
        tag[start..].split('"').next().unwrap_or("").to_string()
    };
    xml.split("<dataValidation ")
        .skip(1)
        .map(|dv| {
            let dv = &format!(" {dv}");
            let column: String = attr(dv, "sqref").chars().take_while(|c| c.is_ascii_uppercase()).collect();
            let formula = dv.split("<formula1>").nth(1).and_then(|f| f.split("</formula1>").next()).unwrap_or("");
            (attr(dv, "type"), column, formula.replace("&quot;", "\""))
        })
        .collect()
}

fn letter(i: usize) -> String {
    rust_xlsxwriter::column_number_to_name(i as u16)
}

/// The header row of a workbook's first sheet.
fn headers(path: &std::path::Path) -> Vec<String> {
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range.rows().next().unwrap().iter().map(|c| c.to_string()).collect()
}

#[test]
fn templates_carry_the_configured_codes_and_round_trip_with_zero_rejects() {
    let schemas = qfb::schema::Schemas::load().unwrap();
    let config = qfb::config::Config::defaults();
    for (lang, flag) in [(qfb::template::Lang::Zh, "zh"), (qfb::template::Lang::En, "en")] {
        let w = Workdir::new();
        w.qfb(&["template", "--out", "tpl", "--lang", flag]).expect(0);
        let drop = w.path("in/2026-09");
        std::fs::create_dir_all(&drop).unwrap();
        for table in &schemas.tables {
            let name = format!("{}.xlsx", qfb::template::file_stem(table, lang));
            let path = w.path(&format!("tpl/{name}"));
            let bytes = std::fs::read(&path).unwrap();
            // The header in the template's language, in schema order.
            let expected: Vec<String> =
                table.columns.iter().map(|c| qfb::template::header(c, lang).to_string()).collect();
            assert_eq!(headers(&path), expected, "{name}");
            // A validation on every typed column; the drop-downs hold
            // exactly the configured codes (Chinese names in zh).
            let dvs = validations(&bytes);
            let mut lists = std::collections::BTreeMap::new();
            for (i, c) in table.columns.iter().enumerate() {
                use qfb::schema::ColumnType as T;
                let found = dvs.iter().find(|d| d.1 == letter(i));
                let want = match c.ty {
                    T::Code | T::Bool => "list",
                    T::Date | T::Datetime => "date",
                    T::Money => "decimal",
                    T::Int => "whole",
                    T::Month => "custom",
                    T::String | T::Text => {
                        assert!(found.is_none(), "{name} {}", c.name);
                        continue;
                    }
                };
                let found = found.unwrap_or_else(|| panic!("{name}: no validation on {}", c.name));
                assert_eq!(found.0, want, "{name} {}", c.name);
                if c.ty == T::Code {
                    let codes: Vec<String> = config
                        .code_list(c.codes.as_deref().unwrap())
                        .unwrap()
                        .into_iter()
                        .map(|(code, zh)| if flag == "zh" { zh } else { code }.to_string())
                        .collect();
                    assert_eq!(found.2, format!("\"{}\"", codes.join(",")), "{name} {}", c.name);
                }
                if c.ty == T::Bool {
                    assert_eq!(found.2, if flag == "zh" { "\"是,否\"" } else { "\"yes,no\"" });
                }
                lists.insert(i, found.2.trim_matches('"').split(',').map(String::from).collect::<Vec<_>>());
            }
            // The instructions sheet follows the data sheet.
            let wb: Xlsx<_> = calamine::open_workbook(&path).unwrap();
            assert_eq!(wb.sheet_names()[1], if flag == "zh" { "说明" } else { "Instructions" });

            // Fill two rows as a spreadsheet program would store them:
            // dates as date cells, numbers as numbers, codes picked from
            // the drop-down.
            let mut out = Workbook::new();
            let sheet = out.add_worksheet();
            for (i, h) in expected.iter().enumerate() {
                sheet.write(0, i as u16, h).unwrap();
            }
            let date = Format::new().set_num_format("yyyy-mm-dd");
            let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm");
            for r in 1..=2u32 {
                for (i, c) in table.columns.iter().enumerate() {
                    use qfb::schema::ColumnType as T;
                    let col = i as u16;
                    match c.ty {
                        // One station per row of stations, the first elsewhere.
                        T::String if c.name == "station_id" => {
                            let id = if table.table == "stations" { format!("ST00{r}") } else { "ST001".into() };
                            sheet.write(r, col, id).map(|_| ())
                        }
                        T::String | T::Text => sheet.write(r, col, format!("{}-{r}", c.name)).map(|_| ()),
                        T::Code => sheet.write(r, col, &lists[&i][r as usize % lists[&i].len()]).map(|_| ()),
                        // Yes: a visit that reached the customer keeps its score.
                        T::Bool => sheet.write(r, col, &lists[&i][0]).map(|_| ()),
                        T::Date => sheet
                            .write_with_format(r, col, &ExcelDateTime::from_ymd(2026, 9, 1).unwrap(), &date)
                            .map(|_| ()),
                        T::Datetime => sheet
                            .write_with_format(
                                r,
                                col,
                                &ExcelDateTime::from_ymd(2026, 9, 1).unwrap().and_hms(10, 30, 0).unwrap(),
                                &datetime,
                            )
                            .map(|_| ()),
                        T::Int => sheet.write(r, col, c.min.unwrap_or(1).max(1) as f64).map(|_| ()),
                        T::Money => sheet.write(r, col, 12.5).map(|_| ()),
                        T::Month => sheet.write(r, col, "2026-09").map(|_| ()),
                    }
                    .unwrap();
                }
            }
            out.save(drop.join(&name)).unwrap();
        }
        let run = w.qfb(&["validate", "in"]);
        assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
        // Every row of every table would load.
        w.qfb(&["ingest", "--input", "in", "--lake", "lake"]).expect(0);
        for table in &schemas.tables {
            assert_eq!(w.table(&table.table).height(), 2, "{flag} {}", table.table);
        }
        assert!(w.rejects().is_empty(), "{flag}: {:?}", w.rejects());
    }
}
