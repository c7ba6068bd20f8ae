//! Crafted workbooks for the XLSX guards of issue #10: the fuzz input
//! chooses a declared dimension, a shared-string count and cell positions
//! anywhere up to XFD1048576 and beyond, in any order. The front end must
//! answer with rows or a clear error, never an abort or a huge allocation
//! (run with `-rss_limit_mb=2048`).
#![no_main]

#[path = "common.rs"]
mod common;

use std::io::Write;

fn workbook(dimension: &str, unique: u32, cells: &[(u32, u32)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opt = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut sheet = format!(r#"<worksheet {ns}><dimension ref="{dimension}"/><sheetData><row r="1">"#);
    for (i, h) in ["repair_id", "serial", "station_id", "reported_at", "component", "cause"].iter().enumerate() {
        sheet.push_str(&format!(r#"<c r="{}1" t="inlineStr"><is><t>{h}</t></is></c>"#, (b'A' + i as u8) as char));
    }
    sheet.push_str("</row>");
    for (row, col) in cells {
        let mut name = String::new();
        let mut c = *col as u64 + 1;
        while c > 0 {
            name.insert(0, (b'A' + ((c - 1) % 26) as u8) as char);
            c = (c - 1) / 26;
        }
        sheet.push_str(&format!(r#"<row r="{0}"><c r="{name}{0}" t="s"><v>0</v></c></row>"#, *row as u64 + 1));
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts = [
        ("[Content_Types].xml", r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#.to_string()),
        ("_rels/.rels", format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)),
        ("xl/workbook.xml", format!(r#"<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#)),
        ("xl/_rels/workbook.xml.rels", format!(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#)),
        ("xl/sharedStrings.xml", format!(r#"<sst {ns} count="{unique}" uniqueCount="{unique}"><si><t>R1</t></si></sst>"#)),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    for (name, body) in parts {
        z.start_file(name, opt).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut words = data.chunks(4).map(|c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        u32::from_le_bytes(b)
    });
    let unique = words.next().unwrap_or(1);
    let (dr, dc) = (words.next().unwrap_or(0) % 2_000_000, words.next().unwrap_or(0) % 20_000);
    let dimension = format!("A1:{}{}", if dc % 2 == 0 { "XFD" } else { "C" }, dr + 1);
    let mut cells = Vec::new();
    while let (Some(r), Some(c)) = (words.next(), words.next()) {
        // Mostly small positions, some at and past the sheet's edge.
        let row = if r % 8 == 0 { r % 1_100_000 } else { 1 + r % 40 };
        let col = if c % 8 == 0 { c % 17_000 } else { c % 8 };
        cells.push((row, col));
        if cells.len() >= 64 {
            break;
        }
    }
    common::front_end("repairs.xlsx", &workbook(&dimension, unique, &cells));
});
