//! Rows read in windows are the rows of the file held whole, for every
//! window size down to one byte; the scan's facts against hand-made files.

use std::io::Write;

use sha2::{Digest, Sha256};

use super::*;
use crate::ingest::read::{self, Format, Limits};

/// (line, last line, fields, defect rule and reason) of every row, the
/// header first.
type Got = Vec<(u64, u64, Vec<String>, Option<(String, String)>)>;

fn walk(sheet: &read::Sheet<'_>) -> Result<Got, FileProblem> {
    let mut out: Got = Vec::new();
    let header = if sheet.is_empty() { Vec::new() } else { sheet.header()? };
    out.push((0, 0, header, None));
    sheet.rows(|r| {
        let fields = r.fields.iter().map(|s| s.to_string()).collect();
        let defect = r.defect.map(|d| (d.rule.to_string(), d.reason.to_string()));
        out.push((r.line, r.last_line, fields, defect));
    })?;
    Ok(out)
}

fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    f.flush().unwrap();
    f
}

/// Texts whose records the windows could cut badly: quoted line ends,
/// CRLF, lone CRs, blank lines, escaped quotes, every quote defect, text
/// of more than one byte per character, a BOM.
const TEXTS: &[&str] = &[
    "a,b\r\n1,\"x\ny\"\r\n2,\"q\"\"\"\r\n\r\n3,z",
    "a,b\r1,x\r2,y\r\n3,z\n4,w",
    "a,b\n1,x\n2,\"cut off\n3,more",
    "id,desc\nR1,d1\nR2,\"opened here\nR3,d3\nR4,d4\nR5,done\" ok\nR6,d6\n",
    "id,desc\nR1,\"opened\nR2,x\nR3,y\nend\"\nR4,z\n",
    "id,desc\nR1,\"first line\nsecond line, with a comma, and another\nthird\"\nR2,z\n",
    "id,desc\nR1,13\" screen\n\n\n\nR2,\r\n",
    "\u{feff}维修单号,故障部件\n维1,压缩机\r\n维2,\"四通阀\n换向\"\n维3,电子膨胀阀\n",
    "a,b,c\n1,2\n1,2,3,4\n,,\n\"\",\"\"\"\",x\n",
    "only,a,header",
    "\n\n  \nh1,h2\n\r\n\r\nv1,v2",
];

#[test]
fn rows_read_in_windows_are_the_rows_of_the_whole_file() {
    for text in TEXTS {
        let whole = read::open(Format::Csv, text.as_bytes(), &Limits::default()).unwrap();
        let expected = walk(&whole).unwrap();
        let f = file_of(text.as_bytes());
        let file = f.reopen().unwrap();
        let scan = scan(&file, false).unwrap();
        assert!(scan.plain.is_some(), "{text:?}");
        for window in 1..=text.len() + 1 {
            let sheet = read::stream(Stream::new(&file, &scan, window).unwrap());
            assert_eq!(sheet.encoding, whole.encoding);
            assert_eq!(walk(&sheet).unwrap(), expected, "window {window} of {text:?}");
        }
    }
}

/// The same, for random texts made mostly of the characters that end
/// records and fields, with windows of every size.
#[test]
fn random_texts_read_in_windows_are_the_rows_of_the_whole_file() {
    use rand::{RngExt, SeedableRng};
    let tokens = ["a", "b,", ",", "\"", "\"\"", "\r", "\n", "\r\n", "维", " ", "\u{feff}"];
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(12);
    for _ in 0..1000 {
        let n = rng.random_range(0..40);
        let text: String = (0..n).map(|_| tokens[rng.random_range(0..tokens.len())]).collect();
        let whole = read::open(Format::Csv, text.as_bytes(), &Limits::default()).unwrap();
        let expected = walk(&whole);
        let f = file_of(text.as_bytes());
        let file = f.reopen().unwrap();
        let scan = scan(&file, false).unwrap();
        for window in 1..=text.len() + 1 {
            let sheet = read::stream(Stream::new(&file, &scan, window).unwrap());
            assert_eq!(walk(&sheet), expected, "window {window} of {text:?}");
        }
    }
}

#[test]
fn a_scan_hashes_counts_and_tells_plain_utf8() {
    let plain = |bytes: &[u8]| {
        let f = file_of(bytes);
        let s = scan(&f.reopen().unwrap(), true).unwrap();
        assert_eq!(s.bytes, bytes.len() as u64);
        assert_eq!(s.sha256, Some(crate::config::hex(&Sha256::digest(bytes))));
        assert_eq!(scan(&f.reopen().unwrap(), false).unwrap(), Scan { sha256: None, ..s.clone() });
        assert_eq!(s.line_feeds, bytes.iter().filter(|&&b| b == b'\n').count() as u64);
        s.plain
    };
    assert_eq!(plain(b"a,b\n1,2\n"), Some(Plain { bom: false, blank: false }));
    assert_eq!(plain(b"\xEF\xBB\xBFa\n"), Some(Plain { bom: true, blank: false }));
    assert_eq!(plain(b" \r\n\t\n"), Some(Plain { bom: false, blank: true }));
    assert_eq!(plain("\u{3000}\n".as_bytes()), Some(Plain { bom: false, blank: true }));
    assert_eq!(plain(b""), Some(Plain { bom: false, blank: true }));
    let (gbk, _, _) = encoding_rs::GBK.encode("维修单号,故障部件\n");
    assert_eq!(plain(&gbk), None);
    assert_eq!(plain(b"a,b\n1,\0\n"), None);
    assert_eq!(plain(b"\xFF\xFEa\0"), None);
    // A character cut by the scan's buffer is checked whole; one cut by
    // the end of the file is not UTF-8.
    let mut cut = vec![b'x'; WINDOW - 1];
    cut.extend_from_slice("维,修\n".as_bytes());
    assert_eq!(plain(&cut), Some(Plain { bom: false, blank: false }));
    assert_eq!(plain(&"维".as_bytes()[..2]), None);
}

#[test]
fn a_file_that_changes_after_its_scan_is_an_error_not_a_short_read() {
    let text = "a,b\n1,x\n2,y\n";
    let f = file_of(text.as_bytes());
    let file = f.reopen().unwrap();
    let s = scan(&file, false).unwrap();
    std::fs::write(f.path(), "a,b\n1,x\n2,y\n3,z\n").unwrap();
    let got = walk(&read::stream(Stream::new(&file, &s, 4).unwrap()));
    assert_eq!(got, Err(FileProblem::Changed { what: "it was 12 bytes and is now 16".into() }));
    std::fs::write(f.path(), b"a,b\n1,\xFF\n").unwrap();
    let got = walk(&read::stream(Stream::new(&file, &s, 64).unwrap()));
    assert_eq!(got, Err(FileProblem::Changed { what: "it is no longer UTF-8".into() }));
}

/// A drop whose units file is large enough to be read in windows loads
/// exactly as the same bytes read whole: rows, lineage, counts, rejects.
#[test]
fn a_large_file_prepares_as_the_same_bytes_read_whole() {
    use crate::config::Config;
    use crate::ingest::discover::{Drop, DropFile};
    use crate::ingest::validate::Validator;
    use crate::schema::Schemas;

    let mut text = String::from(
        "serial,model,product_line,production_batch,production_date,sale_date,install_date,station_id,sale_price\n",
    );
    let mut i = 0;
    while (text.len() as u64) < STREAM_FROM + 1000 {
        i += 1;
        let row = match i % 100_000 {
            // A bad price (nulled), a line of the wrong width, a multi-line
            // quoted model, a stray quote, CRLF, the same serial again.
            1 => format!("SN{i:09},RSJ-35A,household,E2606-0021,2026-06-01,2026-09-29,,ST023,abc\n"),
            2 => format!("SN{i:09},RSJ-35A,household\n"),
            3 => format!("SN{i:09},\"RSJ\n35A\",household,E2606-0021,2026-06-01,2026-09-29,,ST023,100.00\n"),
            4 => format!("SN{i:09},\"RSJ\" 35A,household,E2606-0021,2026-06-01,2026-09-29,,ST023,100.00\n"),
            5 => format!("SN{i:09},RSJ-35A,household,E2606-0021,2026-06-01,2026-09-29,,ST023,100.00\r\n"),
            6 => format!(
                "SN{:09},RSJ-50B,commercial_economy,E2606-0022,2026-06-02,2026-09-30,2026-10-01,ST024,200.00\n",
                i - 10
            ),
            _ => format!("SN{i:09},RSJ-35A,household,E2606-0021,2026-06-01,2026-09-29,2026-10-13,ST023,14090.00\n"),
        };
        text.push_str(&row);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("units.csv");
    std::fs::write(&path, &text).unwrap();
    let drop = Drop {
        month: "2026-10".into(),
        dir: dir.path().into(),
        files: vec![DropFile { path: path.clone(), name: "units.csv".into() }],
    };
    let (schemas, config) = (Schemas::load().unwrap(), Config::defaults());
    let prepared = crate::ingest::prepare_drop(&drop, &schemas, &config, |_, _| {}).unwrap();

    let opened = crate::ingest::open(&schemas, &config, "units.csv", text.as_bytes()).unwrap();
    let mut v = Validator::new(schemas.get("units").unwrap(), &config).unwrap();
    v.begin_file("units.csv", opened.mapping.unwrap());
    opened.sheet.rows(|r| v.push(&r)).unwrap();
    let whole = v.finish();

    let got = &prepared.tables[0];
    assert_eq!(got.rows(), whole.rows());
    assert_eq!(got.columns, whole.columns);
    assert_eq!((&got.source_file, &got.source_line), (&whole.source_file, &whole.source_line));
    assert_eq!(got.files, whole.files);
    assert_eq!(got.rejects, whole.rejects);
    // Every kind of problem above is among them.
    let rules: std::collections::BTreeSet<&str> = got.rejects.iter().map(|r| r.rule).collect();
    assert_eq!(rules, ["duplicate_key", "field_count", "invalid_value", "malformed_quote"].into());
    let file = &prepared.files[0];
    assert_eq!((file.bytes, file.encoding.as_str()), (text.len() as u64, "utf-8"));
    assert_eq!(file.sha256, crate::config::hex(&Sha256::digest(text.as_bytes())));
}
