//! Bad input gets a clear error and nothing is lost (contract section 2):
//! one test per case of issue #2, each asserting which rows loaded, which
//! were rejected or nulled, and why.

use crate::workdir::*;

const REPAIRS: &str =
    "repair_id,serial,station_id,reported_at,responded_at,component,cause,labor_cost,parts_cost,description\n";
const UNITS: &str = "serial,model,product_line,production_batch,production_date,sale_date,install_date,station_id\n";

/// Rows read = loaded + rejected, for every file of every manifest.
fn assert_counts_add_up(w: &Workdir, month: &str) {
    let m = w.manifest(month);
    for f in m["files"].as_array().unwrap() {
        let n = |k: &str| f[k].as_u64().unwrap();
        assert_eq!(n("rows_read"), n("rows_loaded") + n("rows_rejected"), "{f}");
    }
}

fn file_entry(w: &Workdir, month: &str, name: &str) -> serde_json::Value {
    let m = w.manifest(month);
    m["files"].as_array().unwrap().iter().find(|f| f["name"] == name).cloned().unwrap()
}

fn counts(w: &Workdir, month: &str, name: &str) -> (u64, u64, u64, u64) {
    let f = file_entry(w, month, name);
    let n = |k: &str| f[k].as_u64().unwrap();
    (n("rows_read"), n("rows_loaded"), n("rows_rejected"), n("fields_nulled"))
}

#[test]
fn missing_required_column_fails_and_leaves_the_lake_untouched() {
    let w = Workdir::new();
    w.write("in/2026-09/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-09-01 08:00,,motor,quality,,,\n"));
    w.ingest().expect(0);
    let before = w.snapshot("lake");
    w.write(
        "in/2026-10/units.csv",
        "serial,model,product_line,production_batch,production_date,station_id\nS1,M,household,B1,2026-01-01,ST1\n",
    );
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R2,S1,ST1,2026-10-01 08:00,,motor,quality,,,\n"));
    let run = w.ingest().expect(1);
    let err = run.stderr();
    assert!(err.contains("units.csv"), "{err}");
    assert!(err.contains("missing required column `sale_date` for table `units`"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(w.snapshot("lake"), before, "the lake changed");
}

#[test]
fn unknown_column_warns_and_loads() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", "repair_id,serial,station_id,reported_at,component,cause,colour\nR1,S1,ST1,2026-10-01 08:00,motor,quality,red\n");
    let run = w.ingest().expect(0);
    assert!(run.stdout().contains("warning: unknown column `colour` ignored"), "{}", run.stdout());
    assert_eq!(file_entry(&w, "2026-10", "repairs.csv")["warnings"][0], "unknown column `colour` ignored");
    assert_eq!(strs(&w.table("repairs"), "repair_id"), some(&["R1"]));
}

#[test]
fn empty_file_loads_nothing_with_a_warning() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", "");
    w.write("in/2026-10/visits.xlsx", "");
    let run = w.ingest().expect(0);
    assert!(run.stdout().contains("warning: empty file: nothing to load this month"), "{}", run.stdout());
    assert_eq!(counts(&w, "2026-10", "repairs.csv"), (0, 0, 0, 0));
    assert_eq!(w.table("repairs").height(), 0);
    // The partition still carries the full schema.
    assert_eq!(w.table("repairs").width(), 15 + 2 + 1);
}

#[test]
fn header_only_file_loads_no_rows() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", REPAIRS);
    w.ingest().expect(0);
    assert_eq!(counts(&w, "2026-10", "repairs.csv"), (0, 0, 0, 0));
    assert!(file_entry(&w, "2026-10", "repairs.csv")["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn bom_and_crlf() {
    let w = Workdir::new();
    let text = format!("\u{feff}{}R1,S1,ST1,2026-10-01 08:00,,motor,quality,1.5,,x\r\nR2,S1,ST1,2026-10-02 08:00,,motor,quality,,,y\r\n", REPAIRS.replace('\n', "\r\n"));
    w.write("in/2026-10/repairs.csv", text);
    w.ingest().expect(0);
    let df = w.table("repairs");
    assert_eq!(strs(&df, "repair_id"), some(&["R1", "R2"]));
    // No stray \r in the last column, no BOM in the first header.
    assert_eq!(strs(&df, "description"), some(&["x", "y"]));
    assert_eq!(file_entry(&w, "2026-10", "repairs.csv")["encoding"], "utf-8-bom");
    assert_eq!(ints(&df, "source_line"), [Some(2), Some(3)]);
}

#[test]
fn quoted_fields_with_newlines_commas_and_quotes() {
    let w = Workdir::new();
    let text = format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,\"line one\nline two, with a comma and \"\"quotes\"\"\"\nR2,S1,ST1,2026-10-02 08:00,,motor,quality,,,plain\n");
    w.write("in/2026-10/repairs.csv", text);
    w.ingest().expect(0);
    let df = w.table("repairs");
    assert_eq!(strs(&df, "description"), some(&["line one\nline two, with a comma and \"quotes\"", "plain"]));
    // R2 starts on physical line 4: the quoted newline moved it down.
    assert_eq!(ints(&df, "source_line"), [Some(2), Some(4)]);
}

#[test]
fn gbk_with_chinese_headers_and_codes() {
    let w = Workdir::new();
    let text = "维修单号,条形码,网点编号,报修时间,故障部件,故障原因,故障描述\nR1,S1,ST1,2026年10月1日 08:00,压缩机,质量问题,压缩机异响\nR2,S1,ST1,2026/10/2 09:30,四通阀,安装不良,漏氟\n";
    let (gbk, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    w.write("in/2026-10/维修记录.csv", &gbk[..]);
    w.ingest().expect(0);
    let df = w.table("repairs");
    assert_eq!(strs(&df, "component"), some(&["compressor", "four_way_valve"]));
    assert_eq!(strs(&df, "cause"), some(&["quality", "installation"]));
    assert_eq!(strs(&df, "description"), some(&["压缩机异响", "漏氟"]));
    assert_eq!(texts(&df, "reported_at"), some(&["2026-10-01 08:00:00.000000", "2026-10-02 09:30:00.000000"]));
    assert_eq!(file_entry(&w, "2026-10", "维修记录.csv")["encoding"], "gb18030");
}

#[test]
fn every_date_and_datetime_form() {
    let w = Workdir::new();
    let mut text = String::from(REPAIRS);
    let forms = [
        "2026-10-05 08:30",
        "2026/10/05 08:30",
        "2026年10月5日 08:30",
        "2026-10-5 08:30",
        "2026/10/5T08:30",
        "2026-10-05 08:30:00",
    ];
    for (i, f) in forms.iter().enumerate() {
        text.push_str(&format!("R{i},S1,ST1,{f},,motor,quality,,,\n"));
    }
    w.write("in/2026-10/repairs.csv", text);
    let mut units = String::from(UNITS);
    for (i, d) in ["2026-02-01", "2026/02/01", "2026年2月1日", "2026-2-1", "2026/2/1"].iter().enumerate() {
        units.push_str(&format!("S{i},M,household,B1,2026-01-01,{d},,ST1\n"));
    }
    w.write("in/2026-10/units.csv", units);
    w.ingest().expect(0);
    assert!(w.rejects().is_empty(), "{:?}", w.rejects());
    let reported = texts(&w.table("repairs"), "reported_at");
    assert_eq!(reported, vec![Some("2026-10-05 08:30:00.000000".to_string()); 6]);
    assert_eq!(texts(&w.table("units"), "sale_date"), vec![Some("2026-02-01".to_string()); 5]);
}

#[test]
fn impossible_dates_reject_required_and_null_optional() {
    let w = Workdir::new();
    w.write(
        "in/2026-10/units.csv",
        format!("{UNITS}S1,M,household,B1,2026-02-30,2026-03-01,,ST1\nS2,M,household,B1,2026-01-10,2026-02-01,2026-02-30,ST1\n"),
    );
    w.ingest().expect(0);
    assert_eq!(strs(&w.table("units"), "serial"), some(&["S2"]));
    assert_eq!(texts(&w.table("units"), "install_date"), [None]);
    assert_eq!(
        w.rejects(),
        [
            (
                "units.csv".into(),
                2,
                Some("production_date".into()),
                "invalid_value".into(),
                "row_rejected".into(),
                "`2026-02-30` is not a real calendar date".into()
            ),
            (
                "units.csv".into(),
                3,
                Some("install_date".into()),
                "invalid_value".into(),
                "field_nulled".into(),
                "`2026-02-30` is not a real calendar date".into()
            ),
        ]
    );
    assert_eq!(counts(&w, "2026-10", "units.csv"), (2, 1, 1, 1));
}

#[test]
fn dates_in_the_wrong_order() {
    let w = Workdir::new();
    w.write("in/2026-10/units.csv", format!("{UNITS}S1,M,household,B1,2026-03-01,2026-02-01,,ST1\n"));
    w.write(
        "in/2026-10/repairs.csv",
        format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,2026-09-30 08:00,motor,quality,,,\n"),
    );
    w.ingest().expect(0);
    assert_eq!(w.table("units").height(), 0);
    let df = w.table("repairs");
    assert_eq!(strs(&df, "repair_id"), some(&["R1"]));
    assert_eq!(texts(&df, "responded_at"), [None]);
    let r = w.rejects();
    assert_eq!(r.len(), 2);
    // Rejects are stored in schema order: units before repairs.
    assert_eq!((r[0].0.as_str(), r[0].4.as_str()), ("units.csv", "row_rejected"));
    assert_eq!(r[0].5, "`sale_date` 2026-02-01 is before `production_date` 2026-03-01");
    assert_eq!((r[1].0.as_str(), r[1].4.as_str()), ("repairs.csv", "field_nulled"));
    assert_eq!(r[1].5, "`responded_at` 2026-09-30 08:00 is before `reported_at` 2026-10-01 08:00");
}

#[test]
fn negative_or_three_decimal_costs_are_nulled() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,-10,12.345,\nR2,S1,ST1,2026-10-01 08:00,,motor,quality,80.5,0.29,\n"));
    w.ingest().expect(0);
    let df = w.table("repairs");
    assert_eq!(texts(&df, "labor_cost"), [None, Some("80.50".into())]);
    assert_eq!(texts(&df, "parts_cost"), [None, Some("0.29".into())]);
    let r = w.rejects();
    assert_eq!(
        r.iter().map(|x| (x.2.clone().unwrap(), x.4.as_str())).collect::<Vec<_>>(),
        [("labor_cost".to_string(), "field_nulled"), ("parts_cost".to_string(), "field_nulled")]
    );
    assert_eq!(r[1].5, "`12.345` has more than 2 decimals; amounts are in yuan with at most 2 decimals");
    assert_eq!(counts(&w, "2026-10", "repairs.csv"), (2, 2, 0, 2));
}

#[test]
fn zero_quantity_is_rejected() {
    let w = Workdir::new();
    w.write(
        "in/2026-10/parts.csv",
        "order_id,station_id,part_no,component,quantity,requested_at,promised_at\nO1,ST1,P1,motor,0,2026-10-01,2026-10-03\nO2,ST1,P1,motor,1,2026-10-01,2026-10-03\n",
    );
    w.ingest().expect(0);
    assert_eq!(strs(&w.table("parts"), "order_id"), some(&["O2"]));
    let r = w.rejects();
    assert_eq!((r[0].1, r[0].3.as_str(), r[0].5.as_str()), (2, "out_of_range", "`quantity` must be at least 1, not 0"));
}

#[test]
fn unknown_component_or_cause_is_rejected() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,flux_capacitor,quality,,,\nR2,S1,ST1,2026-10-01 08:00,,motor,gremlins,,,\nR3,S1,ST1,2026-10-01 08:00,,MOTOR,Quality,,,\n"));
    w.ingest().expect(0);
    assert_eq!(strs(&w.table("repairs"), "repair_id"), some(&["R3"]));
    assert_eq!(strs(&w.table("repairs"), "component"), some(&["motor"]));
    let r = w.rejects();
    assert_eq!(
        r.iter().map(|x| (x.1, x.2.clone().unwrap(), x.3.as_str())).collect::<Vec<_>>(),
        [(2, "component".into(), "unknown_code"), (3, "cause".into(), "unknown_code")]
    );
    assert!(
        r[0].5.starts_with("`flux_capacitor` is not a known `component` code; use one of compressor, four_way_valve,"),
        "{}",
        r[0].5
    );
}

#[test]
fn duplicate_key_later_row_wins() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,first\nR2,S1,ST1,2026-10-01 08:00,,motor,quality,,,\nR1,S1,ST1,2026-10-01 08:00,,motor,quality,,,second\n"));
    w.ingest().expect(0);
    let df = w.table("repairs");
    assert_eq!(strs(&df, "description"), [Some("second".into()), None]);
    assert_eq!(
        w.rejects(),
        [(
            "repairs.csv".into(),
            2,
            Some("repair_id".into()),
            "duplicate_key".into(),
            "row_rejected".into(),
            "duplicate key, superseded by line 4".into()
        )]
    );
    assert_eq!(counts(&w, "2026-10", "repairs.csv"), (3, 2, 1, 0));
}

#[test]
fn formula_like_script_and_huge_text_load_unchanged() {
    let w = Workdir::new();
    let big = "长".repeat(350_000); // 1.05 MB of UTF-8
    let texts_in = ["=1+2", "+CMD", "-3", "@SUM(A1)", "<script>alert(1)</script>", big.as_str()];
    let mut text = String::from(REPAIRS);
    for (i, t) in texts_in.iter().enumerate() {
        text.push_str(&format!("R{i},S1,ST1,2026-10-01 08:00,,motor,quality,,,\"{t}\"\n"));
    }
    w.write("in/2026-10/repairs.csv", text);
    w.ingest().expect(0);
    let got = strs(&w.table("repairs"), "description");
    assert_eq!(got, some(&texts_in));
    assert!(w.rejects().is_empty());
}

#[test]
fn truncated_last_line() {
    let w = Workdir::new();
    // A missing field at the end of the file.
    w.write(
        "in/2026-10/repairs.csv",
        format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,ok\nR2,S1,ST1,2026-10-01 08:00,,motor"),
    );
    // An unterminated quote at the end of the file.
    w.write("in/2026-10/visits.csv", "visit_id,repair_id,visited_at,channel,reached,comment\nV1,R1,2026-10-02 10:00,phone,yes,fine\nV2,R1,2026-10-02 11:00,phone,yes,\"cut off in the mid");
    w.ingest().expect(0);
    assert_eq!(strs(&w.table("repairs"), "repair_id"), some(&["R1"]));
    assert_eq!(strs(&w.table("visits"), "visit_id"), some(&["V1"]));
    let r = w.rejects();
    assert_eq!((r[0].0.as_str(), r[0].1, r[0].3.as_str()), ("repairs.csv", 3, "field_count"));
    assert_eq!(r[0].5, "expected 10 fields, found 6 (the line looks cut off)");
    assert_eq!((r[1].0.as_str(), r[1].1, r[1].3.as_str()), ("visits.csv", 3, "truncated"));
    assert_counts_add_up(&w, "2026-10");
}

#[test]
fn corrupt_xlsx_fails_naming_the_file() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.xlsx", b"PK\x03\x04 this is not a workbook");
    let run = w.ingest().expect(1);
    assert!(run.stderr().contains("repairs.xlsx`: not a readable XLSX workbook"), "{}", run.stderr());
    assert!(!w.path("lake/_manifests").exists());
}

#[test]
fn file_matching_no_table_fails() {
    let w = Workdir::new();
    w.write("in/2026-10/notes.csv", "colour,size\nred,3\n");
    let run = w.ingest().expect(1);
    assert!(run.stderr().contains("notes.csv`: the header matches no table"), "{}", run.stderr());
    w.write(
        "in/2026-10/notes.csv",
        "visit_id,repair_id,visited_at,channel,reached\nV1,R1,2026-10-02 10:00,phone,yes\n",
    );
    w.ingest().expect(0);
    assert_eq!(strs(&w.table("visits"), "visit_id"), some(&["V1"]));
}

#[test]
fn xlsx_first_sheet_with_typed_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let w = Workdir::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["回访编号", "维修单号", "回访时间", "回访方式", "是否联系上", "满意度", "意见"].iter().enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let fmt = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    ws.write_string(1, 0, "V1").unwrap();
    ws.write_string(1, 1, "R1").unwrap();
    ws.write_datetime_with_format(1, 2, ExcelDateTime::parse_from_str("2026-10-02 10:30:00").unwrap(), &fmt).unwrap();
    ws.write_string(1, 3, "电话").unwrap();
    ws.write_boolean(1, 4, true).unwrap();
    ws.write_number(1, 5, 5.0).unwrap();
    ws.write_string(1, 6, "=HYPERLINK(\"x\")").unwrap();
    ws.write_string(2, 0, "V2").unwrap();
    ws.write_string(2, 1, "R1").unwrap();
    ws.write_string(2, 2, "2026-10-03 09:00").unwrap();
    ws.write_string(2, 3, "letter").unwrap();
    ws.write_string(2, 4, "否").unwrap();
    ws.write_number(2, 5, 4.5).unwrap();
    w.write("in/2026-10/回访记录.xlsx", wb.save_to_buffer().unwrap());
    w.ingest().expect(0);
    let df = w.table("visits");
    assert_eq!(texts(&df, "visited_at"), some(&["2026-10-02 10:30:00.000000", "2026-10-03 09:00:00.000000"]));
    assert_eq!(strs(&df, "channel"), some(&["phone", "letter"]));
    assert_eq!(ints(&df, "satisfaction"), [Some(5), None]);
    assert_eq!(strs(&df, "comment"), [Some("=HYPERLINK(\"x\")".into()), None]);
    // Sheet rows are reported like lines: V2 is on sheet row 3.
    let r = w.rejects();
    assert_eq!((r[0].1, r[0].2.as_deref(), r[0].3.as_str()), (3, Some("satisfaction"), "invalid_value"));
    assert_eq!(file_entry(&w, "2026-10", "回访记录.xlsx")["encoding"], "xlsx");
}

#[test]
fn validate_writes_nothing_and_exits_by_outcome() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,-1,,\n"));
    let run = w.qfb(&["validate", "in/2026-10"]).expect(0);
    assert!(
        run.stdout()
            .contains("2026-10/repairs.csv:2 `labor_cost`: `labor_cost` must be at least 0, not -1 (field_nulled)"),
        "{}",
        run.stdout()
    );
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,,,,\n"));
    let run = w.qfb(&["validate", "in"]).expect(1);
    assert!(
        run.stdout().contains("2026-10/repairs.csv:2 `cause`: `cause` is required but empty (row_rejected)"),
        "{}",
        run.stdout()
    );
    assert!(run.stdout().contains("some rows would not load"));
    assert!(!w.path("lake").exists());
    w.write("in/2026-10/bad.xlsx", "not a zip");
    let run = w.qfb(&["validate", "in"]).expect(1);
    assert!(run.stdout().contains("cannot be read"), "{}", run.stdout());
}

#[test]
fn usage_errors_exit_2() {
    let w = Workdir::new();
    w.qfb(&["ingest", "--input", "in"]).expect(2);
    w.qfb(&["frobnicate"]).expect(2);
    let run = w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--month", "2026-13"]).expect(2);
    assert!(run.stderr().contains("`2026-13` is not a month; use YYYY-MM"), "{}", run.stderr());
    let run = w.qfb(&["--version"]).expect(0);
    assert!(run.stdout().starts_with("qfb "));
}

/// Contract v3's optional `sale_price`: money, kept in the lake; a negative
/// price nulls the field only; a drop without the column still loads.
#[test]
fn sale_price_is_optional_money() {
    let w = Workdir::new();
    w.write(
        "in/2026-09/units.csv",
        "serial,model,product_line,production_batch,production_date,sale_date,station_id,销售价格\n\
         U1,M,household,B1,2026-01-01,2026-02-01,S1,3999.50\n\
         U2,M,household,B1,2026-01-01,2026-02-01,S1,-5\n",
    );
    w.write("in/2026-10/units.csv", "serial,model,product_line,production_batch,production_date,sale_date,station_id\nU3,M,household,B1,2026-01-01,2026-02-01,S1\n");
    w.ingest().expect(0);
    let units = w.table("units");
    assert_eq!(texts(&units, "sale_price"), vec![Some("3999.50".to_string()), None, None]);
    let rejects = w.rejects();
    assert_eq!(rejects.len(), 1);
    assert_eq!((rejects[0].2.as_deref(), rejects[0].4.as_str()), (Some("sale_price"), "field_nulled"));
}
