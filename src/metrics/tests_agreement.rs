//! The dealer agreement's rules (contract section 4) on small inputs with
//! hand-computed results: the 三包 windows to the second, the repeat rule,
//! early failures per batch, and the parts allowance across a year
//! boundary. Report month 2026-09; the end of M is 2026-10-01 00:00.

use polars::prelude::*;

use super::agreement::{self, Early};
use super::tests::{month, rows, Fixture};
use super::*;
use crate::config::Config;

const UNITS: &str =
    "serial,model,product_line,production_batch,production_date,sale_date,install_date,station_id,sale_price\n";
const REPAIRS: &str = "repair_id,serial,station_id,reported_at,component,cause,fault_code\n";
const PARTS: &str = "order_id,repair_id,station_id,part_no,component,quantity,requested_at,promised_at,shipped_at,shipped_part_no,shipped_quantity,unit_price,old_part_returned\n";

fn fixture(units: &str, repairs: &str) -> Fixture {
    let mut f = Fixture::new();
    f.units = format!("{UNITS}{units}");
    f.repairs = format!("{REPAIRS}{repairs}");
    f
}

fn sanbao_fixture() -> Fixture {
    fixture(
        "U1,KFR-25W,household,B1,2026-08-01,2026-08-28,2026-09-01,S1,\n\
         U2,KFR-25W,household,B1,2026-08-01,2026-08-28,2026-09-01,S1,\n\
         U3,KFR-25W,household,B1,2026-08-01,2026-08-28,2026-09-01,S1,\n\
         U4,KFR-25W,household,B1,2026-08-01,2026-08-28,2026-09-01,S1,\n\
         U5,RSJ-30L,commercial_economy,E1,2026-08-01,2026-08-28,2026-09-01,S1,\n\
         U6,KFR-25W,household,B1,2026-08-01,2026-08-28,2026-09-01,S1,\n\
         U7,KFR-30L,household,B2,2026-08-01,2026-09-10,,S1,\n\
         U8,KFR-25W,household,B1,2026-08-01,2026-08-27,2026-08-28,S1,\n\
         U9,KFR-25W,household,B1,2026-08-01,2026-08-28,2026-09-01,S1,\n",
        // 7 days less a second: return and exchange.
        "R1,U1,S1,2026-09-07 23:59:59,compressor,quality,\n\
         R2,U2,S1,2026-09-08 00:00:00,compressor,quality,\n\
         R3,U3,S1,2026-09-08 00:00:01,compressor,quality,\n\
         R4,U4,S1,2026-09-16 00:00:00,condenser,quality,\n\
         R5,U5,S2,2026-09-04 10:00:00,motor,quality,\n\
         R6,U5,S3,2026-09-15 10:00:00,motor,quality,\n\
         R7,U6,S1,2026-09-04 10:00:00,motor,quality,\n\
         R8,U6,S1,2026-09-17 10:00:00,motor,quality,\n\
         R9,U7,S1,2026-09-12 09:00:00,compressor,quality,\n\
         R10,U8,S1,2026-08-30 09:00:00,compressor,quality,\n\
         R11,U9,S1,2026-09-02 09:00:00,compressor,installation,\n\
         R12,UX,S1,2026-09-02 09:00:00,compressor,quality,\n",
    )
}

#[test]
fn sanbao_windows_to_the_second_and_the_repeat_rule() {
    let t = compute(&sanbao_fixture().inputs(), &month(), &Config::defaults()).unwrap();
    let got = rows(
        &t.sanbao,
        &[
            "month",
            "serial",
            "product_line",
            "production_batch",
            "model",
            "station_id",
            "in_service",
            "component",
            "repair_ids",
            "days_in_service",
            "rule",
            "provisional",
        ],
    );
    let want: Vec<Vec<&str>> = vec![
        // Day 6, 23:59:59: inside both windows.
        vec![
            "2026-09",
            "U1",
            "household",
            "B1",
            "KFR-25W",
            "S1",
            "2026-09-01",
            "compressor",
            "R1",
            "6",
            "return_7d",
            "false",
        ],
        vec![
            "2026-09",
            "U1",
            "household",
            "B1",
            "KFR-25W",
            "S1",
            "2026-09-01",
            "compressor",
            "R1",
            "6",
            "exchange_15d",
            "false",
        ],
        // Exactly 7 days, and 7 days and a second: exchange only.
        vec![
            "2026-09",
            "U2",
            "household",
            "B1",
            "KFR-25W",
            "S1",
            "2026-09-01",
            "compressor",
            "R2",
            "7",
            "exchange_15d",
            "false",
        ],
        vec![
            "2026-09",
            "U3",
            "household",
            "B1",
            "KFR-25W",
            "S1",
            "2026-09-01",
            "compressor",
            "R3",
            "7",
            "exchange_15d",
            "false",
        ],
        // U4: a condenser exactly 15 days after: nothing.
        // Motor on day 3 and day 14: repaired twice; the second repair's station.
        vec![
            "2026-09",
            "U5",
            "commercial_economy",
            "E1",
            "RSJ-30L",
            "S3",
            "2026-09-01",
            "motor",
            "R5,R6",
            "14",
            "exchange_repeat_15d",
            "false",
        ],
        // U6: day 3 and day 16: nothing. U7: no install date, day 0 is the sale.
        vec![
            "2026-09",
            "U7",
            "household",
            "B2",
            "KFR-30L",
            "S1",
            "2026-09-10",
            "compressor",
            "R9",
            "2",
            "return_7d",
            "false",
        ],
        vec![
            "2026-09",
            "U7",
            "household",
            "B2",
            "KFR-30L",
            "S1",
            "2026-09-10",
            "compressor",
            "R9",
            "2",
            "exchange_15d",
            "false",
        ],
        // U8 qualified in August, U9's cause is installation, UX is unknown.
    ];
    assert_eq!(got, want);
    assert_eq!(t.sanbao.column("in_service").unwrap().dtype(), &DataType::Date);
    assert_eq!(t.sanbao.column("days_in_service").unwrap().dtype(), &DataType::Int64);
}

#[test]
fn fault_codes_narrow_return_and_exchange_but_not_the_repeat_rule() {
    let config = Config::from_layers(Some(("t.toml", "[agreement.fault_codes]\ncompressor = [\"F1\"]\n"))).unwrap();
    let day = 86_400_000_000i64;
    let e = |id: &str, serial: &str, at_day: i64, component: &str, fault: Option<&str>| Early {
        serial: serial.into(),
        repair_id: id.into(),
        station_id: Some("S1".into()),
        reported_at: at_day * day + 3_600_000_000,
        component: component.into(),
        fault_code: fault.map(str::to_string),
        in_service: 100,
    };
    let early = [
        e("A1", "A", 101, "compressor", Some("E3")),
        e("B1", "B", 102, "compressor", Some("f1")),
        e("C1", "C", 101, "compressor", None),
        e("C2", "C", 105, "compressor", Some("E3")),
    ];
    let cases = agreement::cases(&early, 0, i64::MAX, &config);
    let got: Vec<(&str, &str, String)> =
        cases.iter().map(|c| (c.serial.as_str(), c.rule, c.repair_ids.join(","))).collect();
    assert_eq!(
        got,
        [
            ("B", "return_7d", "B1".to_string()),
            ("B", "exchange_15d", "B1".to_string()),
            ("C", "exchange_repeat_15d", "C1,C2".to_string()),
        ]
    );
}

#[test]
fn early_failures_count_units_past_the_window() {
    let f = fixture(
        "A,M,household,B1,2026-08-01,2026-09-15,,S1,\n\
         B,M,household,B1,2026-08-01,2026-09-16,,S1,\n\
         C,M,household,B1,2026-07-01,2026-07-30,2026-08-01,S1,\n\
         D,M,household,B1,2026-07-01,2026-07-30,2026-08-01,S1,\n\
         E,M,household,B2,2026-08-01,2026-09-20,,S1,\n\
         F,M,commercial_deluxe,D1,2026-01-01,2026-02-01,,S1,\n",
        // A: day 14, 23:00 (past the window: day 15 is 09-30, before the end).
        "R1,A,S1,2026-09-29 23:00:00,motor,quality,\n\
         R2,A,S1,2026-09-20 23:00:00,sensor,quality,\n\
         R3,B,S1,2026-09-17 10:00:00,motor,quality,\n\
         R4,C,S1,2026-08-16 00:00:00,motor,quality,\n\
         R5,D,S1,2026-08-10 00:00:00,motor,installation,\n\
         R6,F,S1,2026-02-03 00:00:00,motor,quality,\n",
    );
    let t = compute(&f.inputs(), &month(), &Config::defaults()).unwrap();
    let cols =
        ["month", "product_line", "production_batch", "units_past_15d", "early_failures", "rate_per_1000", "units"];
    assert_eq!(
        rows(&t.early_failures, &cols),
        [
            ["2026-09", "commercial_deluxe", "D1", "1", "1", "1000.0", "1"],
            // A (one unit, two repairs), C (day 15 exactly: late) and D
            // (not a quality failure) are past the window; B (day 15 is
            // the end of M) is not, and B2 has no unit past it.
            ["2026-09", "household", "B1", "3", "1", "333.3333333333333", "4"],
        ]
    );
    // With the lake's data starting 2026-08-05, C and D's first days
    // were never observed.
    let inputs = f.inputs();
    let repairs = policy::repairs_with_policy(inputs.repairs.clone(), inputs.units.clone(), &Config::defaults());
    let from = chrono::NaiveDate::from_ymd_opt(2026, 8, 5);
    let units = super::batch_units::batch_units(inputs.units, &month(), from, &Config::defaults());
    let df = collect(agreement::early_failures(units, repairs, &month(), from, &Config::defaults())).unwrap();
    assert_eq!(rows(&df, &["production_batch", "units_past_15d", "early_failures"]), [["B1", "1", "1"]]);
}

fn allowance_fixture() -> Fixture {
    let mut f = fixture(
        "H1,M,household,B1,2025-12-01,2026-01-01,,S1,10000.00\n\
         H2,M,household,B1,2025-12-01,2025-12-31,,S1,50000.00\n\
         C1,M,commercial_economy,E1,2026-09-01,2026-09-30,,S1,20000.00\n\
         C2,M,commercial_deluxe,D1,2026-09-01,2026-10-01,,S1,99999.00\n\
         H3,M,household,B1,2026-02-01,2026-03-01,,S1,\n\
         N1,M,household,B1,2026-01-01,2026-02-01,,S2,\n",
        "RH1,H1,S1,2026-05-01 10:00:00,compressor,quality,\n\
         RC1,C1,S1,2026-09-30 12:00:00,compressor,quality,\n\
         RX,UX,S1,2026-03-01 10:00:00,compressor,quality,\n",
    );
    f.parts = format!(
        "{PARTS}\
         P1,RH1,S1,X,compressor,2,2026-05-01,2026-05-05,2026-05-03,X,2,100.00,true\n\
         P2,RC1,S1,X,compressor,1,2026-09-30,2026-10-02,2026-09-30,X,1,300.00,true\n\
         P3,,S1,X,compressor,1,2026-02-01,2026-02-03,2026-02-01,X,1,50.00,false\n\
         P4,RX,S1,X,compressor,1,2026-03-01,2026-03-03,2026-03-01,X,1,20.00,false\n\
         P5,RH1,S1,X,compressor,1,2025-12-30,2026-01-03,2025-12-31,X,1,1000.00,true\n\
         P6,RH1,S1,X,compressor,1,2026-09-01,2026-09-03,,,,5.00,false\n\
         P7,RH1,S1,X,compressor,1,2026-09-14,2026-09-16,2026-09-15,X,1,,false\n\
         P8,,S3,X,motor,1,2026-09-01,2026-09-03,2026-09-02,X,1,10.00,false\n"
    );
    f.stations += "S1,One,East,true\nS2,Two,East,true\nS3,Three,East,true\n";
    f
}

const ALLOWANCE_COLUMNS: [&str; 19] = [
    "month",
    "station_id",
    "year_start",
    "household_sales",
    "commercial_sales",
    "allowance",
    "parts_household",
    "parts_commercial",
    "parts_unattributed",
    "parts_drawn",
    "used_share",
    "over_amount",
    "priced_units_share",
    "warranty_parts_shipped",
    "old_parts_returned",
    "old_parts_returned_share",
    "provisional",
    "units_sold",
    "parts_unpriced",
];

#[test]
fn parts_allowance_across_the_calendar_year() {
    let t = compute(&allowance_fixture().inputs(), &month(), &Config::defaults()).unwrap();
    let names: Vec<String> = t.parts_allowance.get_column_names().iter().map(|c| c.to_string()).collect();
    assert_eq!(names, ALLOWANCE_COLUMNS);
    for c in ["household_sales", "allowance", "parts_drawn", "over_amount"] {
        assert_eq!(t.parts_allowance.column(c).unwrap().dtype(), &DataType::Decimal(18, 2), "{c}");
    }
    let got = rows(&t.parts_allowance, &ALLOWANCE_COLUMNS);
    let want: Vec<Vec<&str>> = vec![
        // S1: H1 (10,000.00) and C1 (20,000.00, the last day of M) in the
        // year; H2 (2025) and C2 (after M) not; H3 sold without a price.
        // Allowance 1.5% × 10,000 + 1% × 20,000 = 350.00. Parts: P1 2 ×
        // 100 household, P2 commercial, P3 (no repair) and P4 (unknown
        // unit) unattributed; P5 (2025) and P6 (not shipped) not; P7 has
        // no price. Warranty parts shipped in M: P2 and P7, one returned.
        vec![
            "2026-09",
            "S1",
            "2026-01",
            "10000.00",
            "20000.00",
            "350.00",
            "200.00",
            "300.00",
            "70.00",
            "570.00",
            "1.6285714285714286",
            "220.00",
            "0.6666666666666666",
            "2",
            "1",
            "0.5",
            "false",
            "3",
            "1",
        ],
        // S2: one unit sold, none priced: no allowance, nothing drawn.
        vec![
            "2026-09", "S2", "2026-01", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "null", "0.00", "0.0",
            "0", "0", "null", "false", "1", "0",
        ],
        // S3: no sales, a part drawn with no repair: all of it over.
        vec![
            "2026-09", "S3", "2026-01", "0.00", "0.00", "0.00", "0.00", "0.00", "10.00", "10.00", "null", "10.00",
            "null", "0", "0", "null", "false", "0", "0",
        ],
    ];
    assert_eq!(got, want);
}

#[test]
fn parts_allowance_with_an_agreement_year_from_october() {
    let config = Config::from_layers(Some(("t.toml", "[agreement]\nyear_start_month = 10\n"))).unwrap();
    let t = compute(&allowance_fixture().inputs(), &month(), &config).unwrap();
    let cols = ["station_id", "year_start", "household_sales", "allowance", "parts_household", "parts_drawn"];
    // From 2025-10-01: H2 and P5 (2025-12-31) now count. Allowance 1.5% ×
    // 60,000 + 1% × 20,000 = 1,100.00; parts 200 + 1,000 household.
    assert_eq!(rows(&t.parts_allowance, &cols)[0], ["S1", "2025-10", "60000.00", "1100.00", "1200.00", "1570.00"]);
}

#[test]
fn the_allowance_rounds_to_the_cent() {
    let config = Config::defaults();
    // 1.5% of 0.33 is 0.495 cents: 0; of 1.00 is 1.5 cents: 2 (half up).
    assert_eq!(allowance::allowance([33, 0], &config), 0);
    assert_eq!(allowance::allowance([100, 0], &config), 2);
    assert_eq!(allowance::allowance([0, 12_345], &config), 123);
}
