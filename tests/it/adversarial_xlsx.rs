//! Issue #10, the spreadsheet cases: quirks that once changed values
//! silently (a merged header, a formula with no saved value, an empty
//! first sheet) and workbooks crafted to exhaust memory. Workbooks are
//! written part by part, so each quirk is exactly what the test says.

use std::io::Write as _;

use crate::adversarial::Case;
use crate::workdir::*;

// ---- 3. Spreadsheet quirks ---------------------------------------------------

/// A minimal XLSX: the sheets' `<sheetData>` inner XML, in order, and an
/// optional shared-string part. Cells use inline strings.
fn xlsx(sheets: &[(&str, &str)], extra_sheet_xml: &str, shared: Option<&str>) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opt = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, body: String| {
        z.start_file(name, opt).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    };
    let mut types = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        types.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        book.push_str(&format!(r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
    }
    if shared.is_some() {
        types.push_str(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#);
        rels.push_str(r#"<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
    }
    types.push_str("</Types>");
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    put("[Content_Types].xml", types);
    put("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string());
    put("xl/workbook.xml", book);
    put("xl/_rels/workbook.xml.rels", rels);
    if let Some(s) = shared {
        put("xl/sharedStrings.xml", s.to_string());
    }
    for (i, (_, data)) in sheets.iter().enumerate() {
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData>{extra_sheet_xml}</worksheet>"#
            ),
        );
    }
    z.finish().unwrap().into_inner()
}

/// A sheet row of inline-string cells from column A.
fn row(r: u32, cells: &[&str]) -> String {
    let mut s = format!(r#"<row r="{r}">"#);
    for (i, c) in cells.iter().enumerate() {
        let col = (b'A' + i as u8) as char;
        if !c.is_empty() {
            s.push_str(&format!(r#"<c r="{col}{r}" t="inlineStr"><is><t>{c}</t></is></c>"#));
        }
    }
    s + "</row>"
}

const XHEAD: [&str; 7] = ["repair_id", "serial", "station_id", "reported_at", "component", "cause", "labor_cost"];

#[test]
fn merged_header_cell_with_data_under_it_is_an_error() {
    // G1:H1 merged as `labor_cost`, the amounts typed in H.
    let data = format!(
        "{}{}",
        row(1, &XHEAD),
        row(2, &["R1", "S1", "ST1", "2026-10-01 08:00", "motor", "quality", "", "120.50"])
    );
    Case {
        exit: 1,
        stderr: Some("repairs.xlsx`: field 8 has no header but holds `120.50` on line 2"),
        ..Case::default()
    }
    .file(
        "repairs.xlsx",
        xlsx(&[("Sheet1", &data)], r#"<mergeCells count="1"><mergeCell ref="G1:H1"/></mergeCells>"#, None),
    )
    .check();
}

#[test]
fn formula_without_saved_value_is_not_zero() {
    let data = format!(
        r#"{}{}<row r="3"><c r="A3" t="inlineStr"><is><t>R2</t></is></c><c r="B3" t="inlineStr"><is><t>S1</t></is></c><c r="C3" t="inlineStr"><is><t>ST1</t></is></c><c r="D3" t="inlineStr"><is><t>2026-10-01 08:00</t></is></c><c r="E3" t="inlineStr"><is><t>motor</t></is></c><c r="F3" t="inlineStr"><is><t>quality</t></is></c><c r="G3"><f>SUM(1,2)</f></c></row><row r="4"><c r="A4" t="inlineStr"><is><t>R3</t></is></c><c r="B4" t="inlineStr"><is><t>S1</t></is></c><c r="C4" t="inlineStr"><is><t>ST1</t></is></c><c r="D4"><f>NOW()</f></c><c r="E4" t="inlineStr"><is><t>motor</t></is></c><c r="F4" t="inlineStr"><is><t>quality</t></is></c></row>"#,
        row(1, &XHEAD),
        row(2, &["R1", "S1", "ST1", "2026-10-01 08:00", "motor", "quality", "80"])
    );
    let w = Case {
        counts: Some(("repairs.xlsx", 3, 2, 1)),
        rejects: Some(vec![(3, "formula_without_value"), (4, "formula_without_value")]),
        reason: Some("cell G3 holds the formula `=SUM(1,2)` with no saved value"),
        ..Case::default()
    }
    .file("repairs.xlsx", xlsx(&[("Sheet1", &data)], "", None))
    .check();
    let df = w.table("repairs");
    assert_eq!(strs(&df, "repair_id"), some(&["R1", "R2"]));
    // Nulled with a reason, not loaded as 0.00.
    assert_eq!(texts(&df, "labor_cost"), [Some("80.00".into()), None]);
    assert_eq!(w.rejects()[1].4, "row_rejected", "a required datetime from a formula rejects the row");
}

#[test]
fn empty_first_sheet_reads_the_first_sheet_with_data() {
    let data =
        format!("{}{}", row(1, &XHEAD), row(2, &["R1", "S1", "ST1", "2026-10-01 08:00", "motor", "quality", "5"]));
    let w = Case::default().file("repairs.xlsx", xlsx(&[("Blank", ""), ("Data", &data)], "", None)).check();
    assert_eq!(strs(&w.table("repairs"), "repair_id"), some(&["R1"]));
    let m = w.manifest("2026-10");
    assert_eq!(m["files"][0]["warnings"][0], "sheet `Blank` empty: read sheet `Data` (sheet 2)");
}

// ---- 6. XLSX bombs ------------------------------------------------------------

#[test]
fn xlsx_cell_at_the_last_column_and_row_is_too_large() {
    let data =
        format!(r#"{}<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#, row(1, &XHEAD));
    Case {
        exit: 1,
        stderr: Some("repairs.xlsx`: too large to read: sheet `Sheet1` has a value in cell XFD1048576, beyond the limit of 200 columns"),
        ..Case::default()
    }
    .file("repairs.xlsx", xlsx(&[("Sheet1", &data)], r#""#, None))
    .check();
}

#[test]
fn xlsx_shared_string_count_bomb_is_too_large() {
    let shared = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="4000000000"><si><t>x</t></si></sst>"#;
    Case { exit: 1, stderr: Some("its shared-string table declares 4000000000 strings"), ..Case::default() }
        .file("repairs.xlsx", xlsx(&[("Sheet1", &row(1, &XHEAD))], "", Some(shared)))
        .check();
}

#[test]
fn xlsx_rows_beyond_the_configured_limit_are_too_large() {
    let mut data = row(1, &XHEAD);
    for r in 2..=20 {
        data.push_str(&row(r, &[&format!("R{r}"), "S1", "ST1", "2026-10-01 08:00", "motor", "quality", "1"]));
    }
    Case {
        config: Some("[limits]\nxlsx_max_rows = 10\n"),
        exit: 1,
        stderr: Some("sheet `Sheet1` has a value in row 11, over the limit of 10 rows"),
        ..Case::default()
    }
    .file("repairs.xlsx", xlsx(&[("Sheet1", &data)], "", None))
    .check();
}
