//! The validator on small hand-written tables: each expectation counted by hand.
use super::*;
use crate::error::FileProblem;
use crate::ingest::header::map_header;
use crate::schema::Schemas;

/// Validate CSV-like rows (`|`-separated, header first) of `table`.
fn run(table: &str, files: &[(&str, &[&str])]) -> ValidatedTable {
    run_with(table, files, |_| {})
}

/// `run`, with a look at the validator before it finishes.
fn run_with(table: &str, files: &[(&str, &[&str])], before: impl FnOnce(&mut Validator)) -> ValidatedTable {
    let schemas = Schemas::load().unwrap();
    let config = Config::defaults();
    let schema = schemas.get(table).unwrap();
    let mut v = Validator::new(schema, &config).unwrap();
    for (name, lines) in files {
        let header: Vec<String> = lines[0].split('|').map(String::from).collect();
        v.begin_file(name, map_header(schema, &header).unwrap());
        for (i, l) in lines[1..].iter().enumerate() {
            let fields: Vec<&str> = l.split('|').collect();
            v.push(&Row {
                line: i as u64 + 2,
                last_line: i as u64 + 2,
                fields: &fields,
                defect: None,
                cell_problems: &[],
            });
        }
    }
    before(&mut v);
    v.finish()
}

fn strs(t: &ValidatedTable, col: usize) -> Vec<Option<String>> {
    match &t.columns[col] {
        ColumnData::Str(c) => c.iter().map(|s| s.map(String::from)).collect(),
        other => panic!("not a string column: {other:?}"),
    }
}

const UNITS: &str = "serial|model|product_line|production_batch|production_date|sale_date|install_date|station_id";

#[test]
fn two_levels_of_problems() {
    let t = run(
        "units",
        &[(
            "units.csv",
            &[
                UNITS,
                "S1|M|household|B1|2026-01-10|2026-02-01|2026-01-20|ST1", // install before sale: nulled
                "S2|M|家用|B1|2026-02-10|2026-02-01||ST1",                // sale before production: rejected
                "S3|M|garden|B1|2026-01-10|2026-02-01||ST1",              // unknown code: rejected
                "S4|M|household|B1|2026-01-10|2026-02-01|2026-02-30|ST1", // impossible optional date: nulled
                "|M|household|B1|2026-01-10|2026-02-01||ST1",             // missing key: rejected
                "S6|M|商用豪华型|B2|2026-01-10|2026/2/1|2026年2月3日|ST2",
            ],
        )],
    );
    assert_eq!(strs(&t, 0), [Some("S1".into()), Some("S4".into()), Some("S6".into())]);
    assert_eq!(strs(&t, 2)[2].as_deref(), Some("commercial_deluxe"));
    let ColumnData::Date(install) = &t.columns[6] else { panic!() };
    assert_eq!(install, &[None, None, Some(parse::days(chrono::NaiveDate::from_ymd_opt(2026, 2, 3).unwrap()))]);
    let f = &t.files[0];
    assert_eq!((f.rows_read, f.rows_loaded, f.rows_rejected, f.fields_nulled), (6, 3, 3, 2));
    let got: Vec<_> = t.rejects.iter().map(|r| (r.line, r.column.as_deref(), r.rule, r.action)).collect();
    assert_eq!(
        got,
        [
            (2, Some("install_date"), "order", Action::FieldNulled),
            (3, Some("sale_date"), "order", Action::RowRejected),
            (4, Some("product_line"), "unknown_code", Action::RowRejected),
            (5, Some("install_date"), "invalid_value", Action::FieldNulled),
            (6, Some("serial"), "missing_required", Action::RowRejected),
        ]
    );
    assert_eq!(t.rejects[1].reason, "`sale_date` 2026-02-01 is before `production_date` 2026-02-10");
    assert_eq!(t.rejects[3].value.as_deref(), Some("2026-02-30"));
}

#[test]
fn later_row_wins_within_a_load_across_files() {
    let h = "repair_id|serial|station_id|reported_at|component|cause";
    let t = run(
        "repairs",
        &[
            (
                "a.csv",
                &[h, "R1|S1|ST1|2026-10-01 08:00|compressor|quality", "R2|S2|ST1|2026-10-01 09:00|motor|quality"],
            ),
            ("b.csv", &[h, "R1|S1|ST1|2026-10-01 08:00|压缩机|installation"]),
        ],
    );
    assert_eq!(strs(&t, 0), [Some("R2".into()), Some("R1".into())]);
    assert_eq!(strs(&t, 9)[1].as_deref(), Some("installation"));
    assert_eq!(t.source_file, [0, 1]);
    assert_eq!(t.file_names, ["a.csv", "b.csv"]);
    assert_eq!((t.files[0].rows_loaded, t.files[0].rows_rejected), (1, 1));
    assert_eq!(t.rejects[0].reason, "duplicate key, superseded by line 2 of `b.csv`");
    assert_eq!((t.rejects[0].line, t.rejects[0].value.as_deref()), (2, Some("R1")));
    // Money defaults to 0 when the column is absent.
    let ColumnData::Money(labor) = &t.columns[11] else { panic!() };
    assert_eq!(labor, &[Some(0), Some(0)]);
}

#[test]
fn each_row_of_a_key_is_superseded_by_the_next_and_only_whole_keys_match() {
    // R1 three times (the middle one with spaces, trimmed like every key);
    // a form's lines are one key with their line number.
    let h = "repair_id|serial|station_id|reported_at|component|cause";
    let row = |id: &str, serial: &str| format!("{id}|{serial}|ST1|2026-10-01 08:00|compressor|quality");
    let lines = [h.to_string(), row("R1", "S1"), row("R2", "S2"), row(" R1 ", "S3"), row("R3", "S4"), row("R1", "S5")];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let t = run("repairs", &[("a.csv", &lines)]);
    assert_eq!(strs(&t, 0), [Some("R2".into()), Some("R3".into()), Some("R1".into())]);
    assert_eq!(strs(&t, 1)[2].as_deref(), Some("S5"));
    assert_eq!(t.source_line, [3, 5, 6]);
    let got: Vec<(u64, &str)> = t.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(got, [(2, "duplicate key, superseded by line 4"), (4, "duplicate key, superseded by line 6")]);
    assert_eq!((t.files[0].rows_read, t.files[0].rows_loaded, t.files[0].rows_rejected), (5, 3, 2));
    // Every key hashing alike (a collision, forced): keys are still told apart.
    let collided = run_with("repairs", &[("a.csv", &lines)], |v| v.keys.iter_mut().for_each(|k| k.0 = 7));
    assert_eq!(strs(&collided, 0), strs(&t, 0));
    assert_eq!(collided.rejects, t.rejects);

    let h = "form_id|line_no|station_id|report_month|submitted_at|component|quantity";
    let f = |line: &str| format!("F1|{line}|ST1|2026-09|2026-10-05|compressor|1");
    let lines = [h.to_string(), f("1"), f("2"), f(" 1")];
    let t = run("feedback_forms", &[("f.csv", &lines.iter().map(String::as_str).collect::<Vec<_>>())]);
    assert_eq!(t.source_line, [3, 4]);
    assert_eq!(t.rejects.iter().map(|r| (r.line, r.rule)).collect::<Vec<_>>(), [(2, "duplicate_key")]);
}

#[test]
fn conditional_rules_and_masking() {
    let h = "order_id|station_id|part_no|component|quantity|requested_at|promised_at|shipped_at|shipped_part_no|shipped_quantity";
    let t = run(
        "parts",
        &[(
            "parts.csv",
            &[
                h,
                "O1|ST1|P1|motor|1|2026-10-01|2026-10-03|2026-10-02|P1|1",
                "O2|ST1|P1|motor|1|2026-10-01|2026-10-03|2026-10-02||1", // shipped without part: rejected
                "O3|ST1|P1|motor|0|2026-10-01|2026-10-03|||",            // quantity 0: rejected
                "O4|ST1|P1|motor|2|2026-10-01|2026-10-03|||",            // not shipped yet: fine
            ],
        )],
    );
    assert_eq!(strs(&t, 0), [Some("O1".into()), Some("O4".into())]);
    assert_eq!(t.rejects[0].reason, "`shipped_part_no` is required when `shipped_at` is set");
    assert_eq!(t.rejects[1].reason, "`quantity` must be at least 1, not 0");

    let h = "visit_id|repair_id|visited_at|channel|reached|satisfaction";
    let t = run("visits", &[("v.csv", &[h, "V1|R1|2026-10-05 10:00|电话|否|5", "V2|R1|2026-10-05 10:00|phone|是|7"])]);
    let ColumnData::Int(sat) = &t.columns[5] else { panic!() };
    assert_eq!(sat, &[None, None]);
    assert_eq!(t.rejects.iter().map(|r| r.rule).collect::<Vec<_>>(), ["only_if", "out_of_range"]);

    let h = "repair_id|serial|station_id|reported_at|component|cause|customer_phone|labor_cost|parts_cost";
    let t = run("repairs", &[("r.csv", &[h, "R1|S1|ST1|2026-10-01 08:00|motor|quality|13812345678|-5|1.234"])]);
    assert_eq!(t.files[0].fields_nulled, 2);
    assert_eq!(t.rejects[0].reason, "`labor_cost` must be at least 0, not -5");
    assert!(t.rejects[1].reason.contains("more than 2 decimals"));
    let ColumnData::Money(parts) = &t.columns[12] else { panic!() };
    assert_eq!(parts, &[None]);
}

#[test]
fn headers_match_without_case_or_spaces_and_in_chinese() {
    let schemas = Schemas::load().unwrap();
    let s = schemas.get("visits").unwrap();
    let h: Vec<String> =
        [" Visit_ID ", "维修单号", "VISITED_AT", "回访方式", "reached", "extra"].map(String::from).into();
    let m = map_header(s, &h).unwrap();
    assert_eq!(m.fields[..5], [Some(0), Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(m.unknown, ["extra"]);
    let h: Vec<String> = ["visit_id", "回访编号"].map(String::from).into();
    assert!(matches!(map_header(s, &h), Err(FileProblem::DuplicateColumn { .. })));
    let h: Vec<String> = ["visit_id"].map(String::from).into();
    let Err(FileProblem::MissingColumns { columns, .. }) = map_header(s, &h) else { panic!() };
    assert_eq!(columns, ["repair_id", "visited_at", "channel", "reached"]);
}
