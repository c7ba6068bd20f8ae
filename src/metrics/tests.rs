//! Every definition of contract section 5 on small, hand-computed inputs.
//! Fixtures are CSV text run through the real validator, so the frames
//! have exactly the lake's types. Report month: 2026-09 (30 days).

use polars::prelude::*;

use super::*;
use crate::config::Config;
use crate::ingest::validate::Validator;
use crate::lake::frame;

/// A table as the lake would hold it after one load.
pub(super) fn table(name: &str, csv: &str) -> LazyFrame {
    let schemas = Schemas::load().unwrap();
    let config = Config::defaults();
    let schema = schemas.get(name).unwrap();
    let opened = crate::ingest::open(&schemas, &config, &format!("{name}.csv"), csv.as_bytes()).unwrap();
    let mut v = Validator::new(schema, &config).unwrap();
    match opened.mapping {
        Some(m) => {
            v.begin_file("t.csv", m);
            opened.sheet.rows(|r| v.push(&r)).unwrap();
        }
        None => v.empty_file("t.csv"),
    }
    let mut t = v.finish();
    // Fixtures may null a field on purpose, never lose a row.
    assert!(t.rejects.iter().all(|r| r.action.as_str() == "field_nulled"), "{:?}", t.rejects);
    crate::ingest::encode::table_frame(schema, &mut t).unwrap().lazy().with_column(lit("2026-10").alias("load_month"))
}

const UNITS: &str = "serial,model,product_line,production_batch,production_date,sale_date,install_date,station_id\n";
const REPAIRS: &str =
    "repair_id,serial,station_id,reported_at,responded_at,completed_at,component,cause,warranty_claim,labor_cost\n";
const STATIONS: &str = "station_id,name,region,active\n";
const FORMS: &str = "form_id,line_no,station_id,report_month,submitted_at,component,quantity\n";
const VISITS: &str = "visit_id,repair_id,visited_at,channel,reached,satisfaction,complaint\n";
const PARTS: &str = "order_id,repair_id,station_id,part_no,component,quantity,requested_at,promised_at,shipped_at,shipped_part_no,shipped_quantity\n";

pub(super) struct Fixture {
    pub(super) units: String,
    pub(super) repairs: String,
    pub(super) stations: String,
    pub(super) forms: String,
    pub(super) visits: String,
    pub(super) parts: String,
}

impl Fixture {
    pub(super) fn new() -> Fixture {
        Fixture {
            units: UNITS.into(),
            repairs: REPAIRS.into(),
            stations: STATIONS.into(),
            forms: FORMS.into(),
            visits: VISITS.into(),
            parts: PARTS.into(),
        }
    }

    pub(super) fn inputs(&self) -> Inputs {
        let empty = |lf: LazyFrame| lf.limit(0);
        let stations = table("stations", &self.stations);
        let forms = table("feedback_forms", &self.forms);
        Inputs {
            units: policy::units_with_warranty(table("units", &self.units), &Config::defaults()),
            unit_dates: policy::unit_dates(
                policy::date_groups(table("units", &self.units).with_column(lit("2026-01").alias("load_month"))),
                &Config::defaults(),
            ),
            unit_versions: None,
            unit_details: table("units", &self.units),
            policy_repairs: policy::repairs_with_policy_carrying(
                table("repairs", &self.repairs),
                table("units", &self.units),
                &Config::defaults(),
                &["model"],
            ),
            repairs: table("repairs", &self.repairs),
            parts: table("parts", &self.parts),
            visits: table("visits", &self.visits),
            stations: stations.clone(),
            forms: forms.clone(),
            stations_next: stations,
            forms_next: forms.clone(),
            repairs_history: table("repairs", &self.repairs),
            parts_history: table("parts", &self.parts),
            units_history: table("units", &self.units),
            forms_history: forms,
            rejects: empty(DataFrame::empty_with_schema(&frame::rejects_schema()).lazy().with_column(lit("x").alias("load_month"))),
            repair_versions: DataFrame::empty(),
            loaded_rows: df!["load_month" => [""], "station_id" => [""], "repair_id" => [""]].unwrap().lazy().limit(0),
            loads: df!["load_month" => [""], "file" => [""], "table" => [""], "rows_read" => [0i64], "rows_loaded" => [0i64], "rows_rejected" => [0i64], "fields_nulled" => [0i64]].unwrap().lazy().limit(0),
        }
    }
}

pub(super) fn month() -> Month {
    Month::new("2026-09", Some("2026-10")).unwrap()
}

fn compute_all(f: &Fixture) -> Tables {
    compute(&f.inputs(), &month(), &Config::defaults()).unwrap()
}

/// Rows of `df` as strings, for the columns given (nulls as "null").
pub(super) fn rows(df: &DataFrame, cols: &[&str]) -> Vec<Vec<String>> {
    let cols: Vec<Series> = cols
        .iter()
        .map(|c| df.column(c).unwrap().cast(&DataType::String).unwrap().as_materialized_series().clone())
        .collect();
    (0..df.height())
        .map(|i| cols.iter().map(|s| s.str().unwrap().get(i).unwrap_or("null").to_string()).collect())
        .collect()
}

fn row_of(df: &DataFrame, key_cols: &[&str], key: &[&str], cols: &[&str]) -> Vec<String> {
    let all: Vec<&str> = key_cols.iter().chain(cols).copied().collect();
    rows(df, &all)
        .into_iter()
        .find(|r| r[..key.len()].iter().zip(key).all(|(a, b)| a == b))
        .unwrap_or_else(|| panic!("no row {key:?}"))[key.len()..]
        .to_vec()
}

fn f64s(df: &DataFrame, key_cols: &[&str], key: &[&str], col: &str) -> Option<f64> {
    let v = row_of(df, key_cols, key, &[col]).remove(0);
    (v != "null").then(|| v.parse().unwrap())
}

/// The failure fixture: six units of known exposure in 2026-09.
fn failure_fixture() -> Fixture {
    let mut f = Fixture::new();
    f.units += "U1,M,household,B1,2026-01-05,2026-01-15,2026-01-20,S1\n"; // in service all of M: 30 days
    f.units += "U2,M,household,B1,2026-09-01,2026-09-30,,S1\n"; // sold on the last day of M: 1 day
    f.units += "U3,M,household,B1,2026-08-01,2026-08-20,2026-10-05,S1\n"; // installed after M: 0
    f.units += "U4,M,household,B2,2023-08-01,2023-09-01,,S1\n"; // main warranty ends at M's start: 0
    f.units += "U5,M,commercial_economy,B3,2025-10-01,2025-10-10,,S1\n"; // 30 days
    f.units += "U6,M,household,B2,2024-09-01,2024-09-15,,S1\n"; // main 30 days, unit warranty ends 09-15: 14
    f.repairs += "R1,U1,S1,2026-09-03 10:00,,,compressor,quality,yes,\n";
    f.repairs += "R2,U1,S1,2026-09-20 10:00,,,compressor,quality,yes,\n"; // same unit again: 1 unit, 2 repairs
    f.repairs += "R3,U4,S1,2026-09-01 00:00,,,compressor,quality,yes,\n"; // at warranty end: not in warranty
    f.repairs += "R4,U6,S1,2026-09-16 10:00,,,motor,quality,yes,\n"; // unit warranty over
    f.repairs += "R5,U6,S1,2026-09-14 23:59,,,motor,quality,yes,\n"; // last minute in warranty
    f.repairs += "R6,U5,S1,2026-09-05 10:00,,,controller,installation,yes,\n"; // excluded cause
    f.repairs += "R7,UX,S1,2026-09-05 10:00,,,compressor,quality,yes,\n"; // unknown serial
    f.repairs += "R8,U2,S1,2026-09-29 10:00,,,sensor,quality,yes,\n"; // reported before the sale
    f.stations += "S1,One,East,true\n";
    f
}

#[test]
fn warranty_policy_engine() {
    let units = table(
        "units",
        &format!(
            "{UNITS}A,M,household,B,2023-12-01,2024-01-31,,S\nB,M,commercial_economy,B,2023-12-01,2024-02-29,2024-03-10,S\nC,M,commercial_deluxe,B,2024-01-01,2024-01-31,,S\n"
        ),
    );
    let df = policy::units_with_warranty(units, &Config::defaults())
        .sort(["serial"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    // 31 January + 36 months; 29 February + 12 months clamps to 28 February;
    // no install date: in service at the sale.
    assert_eq!(
        rows(&df, &["serial", "in_service", "warranty_end_main", "warranty_end_unit"]),
        [
            ["A", "2024-01-31", "2027-01-31", "2026-01-31"],
            ["B", "2024-03-10", "2025-02-28", "2025-02-28"],
            ["C", "2024-01-31", "2026-01-31", "2026-01-31"],
        ]
    );
    // One calendar month from 31 January is 29 February in a leap year.
    let one =
        df!["d" => ["2024-01-31"]].unwrap().lazy().select([col("d").cast(DataType::Date).dt().offset_by(lit("1mo"))]);
    assert_eq!(rows(&one.collect().unwrap(), &["d"]), [["2024-02-29"]]);

    let f = failure_fixture();
    let r = policy::repairs_with_policy(table("repairs", &f.repairs), table("units", &f.units), &Config::defaults())
        .sort(["repair_id"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    assert_eq!(
        rows(&r, &["repair_id", "known_unit", "in_warranty", "covered", "failure"]),
        [
            ["R1", "true", "true", "true", "true"],
            ["R2", "true", "true", "true", "true"],
            ["R3", "true", "false", "false", "false"],
            ["R4", "true", "false", "false", "false"],
            ["R5", "true", "true", "true", "true"],
            ["R6", "true", "true", "false", "false"],
            ["R7", "false", "false", "false", "false"],
            ["R8", "true", "false", "false", "false"],
        ]
    );
    // Months in service: first month is 0; a repair before in service is 0.
    let m = r
        .lazy()
        .select([col("repair_id"), policy::months_in_service(col("in_service"), col("reported_at")).alias("k")])
        .collect()
        .unwrap();
    assert_eq!(
        rows(&m, &["repair_id", "k"]),
        [["R1", "7"], ["R2", "8"], ["R3", "36"], ["R4", "24"], ["R5", "23"], ["R6", "10"], ["R7", "null"], ["R8", "0"]]
    );
}

#[test]
fn failure_rates_by_line_and_all() {
    let t = compute_all(&failure_fixture());
    let fr = &t.failure_rates;
    assert_eq!(fr.height(), 4 * 9, "every line and all, times every component");
    let k = ["product_line", "component"];
    let cols = ["failures", "repairs", "exposure_unit_months"];
    // Household main-part exposure: 30 + 1 + 0 + 0 + 30 days = 61 days.
    assert_eq!(row_of(fr, &k, &["household", "compressor"], &cols), ["1", "2", &(61.0 / 30.0).to_string()]);
    assert!(
        (f64s(fr, &k, &["household", "compressor"], "rate_per_1000").unwrap() - 491.803_278_688_524_6).abs() < 1e-9
    );
    // Whole-unit components: U6's unit warranty ends on the 15th: 30 + 1 + 14 = 45.
    assert_eq!(row_of(fr, &k, &["household", "motor"], &cols), ["1", "1", "1.5"]);
    assert!((f64s(fr, &k, &["household", "motor"], "rate_per_1000").unwrap() - 666.666_666_666_666_6).abs() < 1e-9);
    // `all` sums the lines: 61 + 30 + 0 days of main-part exposure.
    assert_eq!(row_of(fr, &k, &["all", "compressor"], &cols), ["1", "2", &(91.0 / 30.0).to_string()]);
    assert_eq!(row_of(fr, &k, &["all", "sensor"], &["failures", "repairs"]), ["0", "0"]);
    // No units: no exposure, a null rate.
    assert_eq!(
        row_of(fr, &k, &["commercial_deluxe", "compressor"], &["exposure_unit_months", "rate_per_1000"]),
        ["0.0", "null"]
    );
    assert_eq!(row_of(fr, &k, &["commercial_economy", "controller"], &["failures", "rate_per_1000"]), ["0", "0.0"]);
    assert_eq!(rows(fr, &["month", "provisional"])[0], ["2026-09", "false"]);
}

#[test]
fn batch_failure_rates_are_cumulative() {
    let t = compute_all(&failure_fixture());
    let b = &t.batch_failure_rates;
    assert_eq!(b.height(), 3 * 9, "three batches times every component");
    let k = ["production_batch", "component"];
    // B1: U1 from 2026-01-20 (254 days to 1 October), U2 1 day, U3 none.
    assert_eq!(
        row_of(b, &k, &["B1", "compressor"], &["units", "failures", "repairs", "exposure_unit_days"]),
        ["3", "1", "2", "255.0"]
    );
    assert!(
        (f64s(b, &k, &["B1", "compressor"], "rate_per_1000_unit_years").unwrap() - 1_432.352_941_176_470_5).abs()
            < 1e-9
    );
    // B2 motor: U6's repair on the 14th counts, the one on the 16th does not.
    // Exposure: U4's unit warranty (2023-09-01 + 24 months) ended before
    // 2025-09-01 minus in service 2023-09-01 = 731 days; U6 2024-09-15 to
    // 2026-09-15 = 730 days.
    assert_eq!(
        row_of(b, &k, &["B2", "motor"], &["units", "failures", "repairs", "exposure_unit_days"]),
        ["2", "1", "1", "1461.0"]
    );
}

/// M's failing units by component, as the batch rates, the batch alerts
/// and the life data count them: U1's two compressor repairs are one row
/// with the first report and 2 repairs; U6's motor repair of the 14th is
/// one (the 16th's is past its warranty). No other repair of the fixture
/// is a failure in warranty: R3 at the warranty's end, R6 an excluded
/// cause, R7 an unknown serial, R8 reported before the sale.
#[test]
fn failing_units_are_one_row_per_unit_and_component() {
    let t = compute_all(&failure_fixture());
    let mut got = rows(&t.unit_failures, &["serial", "component", "reported_at", "repairs", "production_batch"]);
    got.sort();
    assert_eq!(
        got,
        [
            ["U1", "compressor", "2026-09-03 10:00:00.000000", "2", "B1"],
            ["U6", "motor", "2026-09-14 23:59:00.000000", "1", "B2"],
        ]
    );
}

/// The KPI fixture, hand-computed in the comments.
fn kpi_fixture() -> Fixture {
    let mut f = Fixture::new();
    f.units += "U1,M,household,B1,2026-01-05,2026-01-15,,S1\n";
    // K1: answered in exactly 24 h (hit); K2: 24 h and 1 s (miss); K3: no
    // response (miss); K4 was reported in August.
    f.repairs += "K1,U1,S1,2026-09-02 08:00,2026-09-03 08:00,2026-09-03 12:00,compressor,quality,yes,\n";
    f.repairs += "K2,U1,S1,2026-09-05 08:00,2026-09-06 08:00:01,2026-09-06 10:00,motor,quality,yes,\n";
    f.repairs += "K3,U1,S2,2026-09-10 08:00,,,sensor,quality,yes,\n";
    f.repairs += "K4,U1,S2,2026-08-30 10:00,2026-08-30 11:00,2026-09-01 10:00,compressor,quality,yes,\n";
    // K5: the same compressor again exactly 30 days after K1's completion
    // (K1 is a repeat); K6: motor 30 days and 1 s after K2 (K2 is not).
    f.repairs += "K5,U1,S1,2026-10-03 12:00,2026-10-03 13:00,,compressor,quality,yes,\n";
    f.repairs += "K6,U1,S1,2026-10-06 10:00:01,2026-10-06 11:00,,motor,quality,yes,\n";
    // V1: exactly 7 days after K1's completion, scored 5 with a complaint.
    f.visits += "V1,K1,2026-09-10 12:00,phone,yes,5,yes\n";
    // K2: 7 days and 1 s after completion (not covered); its complaint
    // cannot be read, so it is nulled, and a null complaint counts as one.
    f.visits += "V3,K2,2026-09-13 10:00:01,phone,yes,4,maybe\n";
    // K4: two scored visits at the same time; V0 comes first by visit_id.
    f.visits += "V4,K4,2026-09-02 10:00,phone,yes,4,yes\n";
    f.visits += "V0,K4,2026-09-02 10:00,phone,yes,5,no\n";
    f.parts += "P1,K1,S1,X,compressor,1,2026-09-01,2026-09-10,2026-09-10,X,1\n";
    f.parts += "P2,K2,S1,Y,motor,1,2026-09-01,2026-09-15,,,\n";
    f.parts += "P3,K4,S2,Z,compressor,1,2026-08-20,2026-08-28,2026-09-02,Z2,1\n";
    f.stations += "S1,One,East,true\nS2,Two,West,true\nS3,Three,West,false\n";
    // Forms for 2026-09: S1 on the 10th (on time), S2 on the 11th (late).
    f.forms += "F1,1,S1,2026-09,2026-10-10,compressor,1\nF2,1,S2,2026-09,2026-10-11,other,0\n";
    f
}

#[test]
fn company_kpis() {
    let t = compute_all(&kpi_fixture());
    assert_eq!(
        rows(&t.kpis, &["kpi", "numerator", "denominator", "met"]),
        [
            ["response_24h", "1", "3", "false"],
            ["return_visit_coverage", "2", "3", "false"],
            ["satisfaction", "1", "3", "false"],
            ["parts_on_time", "1", "2", "false"],
            ["parts_accuracy", "1", "2", "false"],
            ["repeat_repair", "2", "3", "false"],
            ["form_on_time", "1", "2", "false"],
        ]
    );
    assert_eq!(
        rows(&t.kpis, &["kpi", "value", "target", "direction"])[5],
        ["repeat_repair", &(2.0f64 / 3.0).to_string(), "0.02", "at_most"]
    );
    assert_eq!(t.kpis.column("numerator").unwrap().dtype(), &DataType::Int64);
    assert_eq!(t.kpis.column("denominator").unwrap().dtype(), &DataType::Int64);
}

#[test]
fn station_kpis_have_a_row_per_station_and_kpi() {
    let t = compute_all(&kpi_fixture());
    let s = &t.station_kpis;
    assert_eq!(s.height(), 3 * 5);
    let k = ["station_id", "kpi"];
    let nd = ["numerator", "denominator", "value", "met"];
    assert_eq!(row_of(s, &k, &["S1", "response_24h"], &nd), ["1", "2", "0.5", "false"]);
    assert_eq!(row_of(s, &k, &["S1", "return_visit_coverage"], &nd), ["1", "2", "0.5", "false"]);
    assert_eq!(row_of(s, &k, &["S1", "satisfaction"], &nd), ["0", "2", "0.0", "false"]);
    assert_eq!(row_of(s, &k, &["S1", "repeat_repair"], &nd), ["1", "2", "0.5", "false"]);
    assert_eq!(row_of(s, &k, &["S1", "form_on_time"], &nd), ["1", "1", "1.0", "true"]);
    assert_eq!(row_of(s, &k, &["S2", "satisfaction"], &nd), ["1", "1", "1.0", "true"]);
    assert_eq!(row_of(s, &k, &["S2", "form_on_time"], &nd), ["0", "1", "0.0", "false"]);
    // An inactive station with nothing this month: zero denominators, null values.
    assert_eq!(row_of(s, &k, &["S3", "form_on_time"], &nd), ["0", "0", "null", "null"]);
    assert_eq!(row_of(s, &k, &["S3", "response_24h"], &nd), ["0", "0", "null", "null"]);
}

#[test]
fn an_empty_month_has_null_values() {
    let f = kpi_fixture();
    let m = Month::new("2026-06", Some("2026-10")).unwrap();
    let t = compute(&f.inputs(), &m, &Config::defaults()).unwrap();
    for r in rows(&t.kpis, &["kpi", "denominator", "value", "met"]) {
        if r[0] == "form_on_time" {
            // Two stations are active as of the next drop and sent no form for June.
            assert_eq!(r[1..], ["2", "0.0", "false"]);
        } else {
            assert_eq!(r[1..], ["0", "null", "null"], "{}", r[0]);
        }
    }
    // A month at or after the latest load is provisional, in every table.
    let m = Month::new("2026-10", Some("2026-10")).unwrap();
    let t = compute(&f.inputs(), &m, &Config::defaults()).unwrap();
    assert!(rows(&t.failure_rates, &["provisional"]).iter().all(|r| r[0] == "true"));
    assert!(rows(&t.station_kpis, &["provisional"]).iter().all(|r| r[0] == "true"));
}

#[test]
fn claim_audit_reasons() {
    let mut f = failure_fixture();
    // A claim on a covered repair (R1) is not listed; the others give the
    // first reason that applies.
    f.repairs = f.repairs.replace(
        "R6,U5,S1,2026-09-05 10:00,,,controller,installation,yes,",
        "R6,U5,S1,2026-09-05 10:00,,,controller,installation,yes,120.50",
    );
    let t = compute_all(&f);
    assert_eq!(
        rows(&t.claim_audit, &["repair_id", "reason", "labor_cost"]),
        [
            ["R3", "out_of_warranty", "0.00"],
            ["R6", "excluded_cause", "120.50"],
            ["R7", "unknown_unit", "0.00"],
            ["R4", "out_of_warranty", "0.00"],
            ["R8", "before_sale", "0.00"],
        ]
    );
    assert_eq!(t.claim_audit.column("labor_cost").unwrap().dtype(), &DataType::Decimal(18, 2));
}

#[test]
fn form_reconciliation_rows() {
    let mut f = kpi_fixture();
    // S1 reports 1 compressor; it recorded K1 (quality, compressor) in
    // September: equal, no row. S1's other components: 0 = 0, no rows
    // except motor (K2 recorded, not on the form). S2's form mentions only
    // `other` = 0: its recorded sensor (K3) differs. S4 is neither active
    // nor a sender but recorded a repair: it is listed with reported null.
    f.repairs += "K9,U1,S4,2026-09-20 10:00,,,motor,quality,no,\n";
    let t = compute_all(&f);
    assert_eq!(
        rows(&t.form_reconciliation, &["station_id", "component", "reported", "recorded"]),
        [["S1", "motor", "0", "1"], ["S2", "sensor", "0", "1"], ["S4", "motor", "null", "1"]]
    );
}

/// `table` as loaded in `load_month`.
fn loaded(name: &str, csv: &str, load_month: &str) -> LazyFrame {
    table(name, csv).with_column(lit(load_month.to_string()).alias("load_month"))
}

#[test]
fn data_quality_findings() {
    let mut f = failure_fixture();
    // Batch B1 also has a commercial unit: a batch in two product lines.
    f.units += "U7,M,commercial_deluxe,B1,2026-01-05,2026-02-01,,S1\n";
    f.visits += "V1,R1,2026-09-05 10:00,phone,yes,5,no\nV2,RX,2026-09-06 10:00,phone,yes,5,no\n";
    f.parts += "P1,RX,S1,X,motor,1,2026-09-03,2026-09-05,,,\n";
    let mut inputs = f.inputs();
    // R1 first came from S1 with a completion, then from S2 with another.
    let h = "repair_id,serial,station_id,reported_at,responded_at,completed_at,component,cause\n";
    inputs.repairs_history = concat(
        [
            loaded(
                "repairs",
                &format!("{h}R1,U1,S1,2026-09-03 10:00,,2026-09-04 10:00,compressor,quality\n"),
                "2026-09",
            ),
            loaded(
                "repairs",
                &format!("{h}R1,U1,S2,2026-09-03 10:00,,2026-09-03 18:00,compressor,quality\n"),
                "2026-10",
            ),
        ],
        UnionArgs::default(),
    )
    .unwrap();
    inputs.loads = df![
        "load_month" => ["2026-09", "2026-10", "2026-08"],
        "file" => ["repairs.csv", "units.csv", "units.csv"],
        "table" => ["repairs", "units", "units"],
        "rows_read" => [10i64, 5, 7],
        "rows_loaded" => [8i64, 5, 7],
        "rows_rejected" => [2i64, 0, 0],
        "fields_nulled" => [1i64, 0, 0],
    ]
    .unwrap()
    .lazy();
    let repairs = policy::repairs_with_policy(inputs.repairs.clone(), inputs.units.clone(), &Config::defaults());
    let batches = failures::batch_failure_rates(
        batch_units(&inputs),
        policy::unit_failures(repairs.clone(), &month()),
        &month(),
        &Config::defaults(),
    )
    .unwrap();
    let dq = quality::data_quality(&inputs, repairs, batches, &month()).unwrap().collect().unwrap();
    let got = rows(&dq, &["section", "table", "item", "count", "detail"]);
    let has = |want: [&str; 5]| assert!(got.iter().any(|r| r == &want), "no {want:?} in {got:#?}");
    // Loads M and M+1 only, zero counts left out.
    has(["load", "repairs", "rows_read", "10", "2026-09/repairs.csv"]);
    has(["load", "repairs", "rows_rejected", "2", "2026-09/repairs.csv"]);
    has(["load", "units", "rows_read", "5", "2026-10/units.csv"]);
    assert!(!got.iter().any(|r| r[4].starts_with("2026-08")));
    assert!(!got.iter().any(|r| r[0] == "load" && r[3] == "0"));
    has(["orphan", "repairs", "unknown serial", "1", "R7"]);
    has(["orphan", "visits", "unknown repair", "1", "V2"]);
    has(["orphan", "parts", "unknown repair", "1", "P1"]);
    has(["station_changed", "repairs", "station_id", "1", "R1"]);
    has(["kpi_evidence_changed", "repairs", "completed_at", "1", "R1"]);
    has(["multi_line_batch", "units", "B1", "2", "units of this batch carry more than one product line"]);
    assert!(!got.iter().any(|r| r[0] == "kpi_evidence_changed" && r[2] == "responded_at"));
}

/// The fixture month's units by batch, all of them observed.
pub(super) fn batch_units(inputs: &Inputs) -> LazyFrame {
    super::batch_units::batch_units(inputs.units.clone(), &month(), None, &Config::defaults())
}

/// `batch_units` on the failure fixture, observed from 2026-08-01, by
/// hand. A bin is ⌊days × 16 / 487⌋, the month in service of a day count.
/// - U1 (B1), in service 2026-01-20: t = 254 days to the end of M for both
///   warranties, from = 193 (to 2026-08-01); bins 6 and 8.
/// - U2 (B1), in service 2026-09-30: t = 1, from = 0. U3 (B1) is installed
///   after M: t = 0, not open; both in bin 0.
/// - U4 (B2), in service 2023-09-01: main warranty to 2026-09-01, t = 1096;
///   unit warranty to 2025-09-01, t = 731; from = 1065. Bins 34, 36, 24; its
///   unit span is closed (731 ≤ 1065).
/// - U6 (B2), in service 2024-09-15: t = 746 (main), 730 (unit), from = 685;
///   bins 22, 24, 23; main warranty open at the end of M (2027-09-15).
/// - U5 (B3), 2025-10-10, 12 months: t = 356, from = 295; bins 9 and 11.
///
/// No unit is past its 15-day window and observed (U1 is from before the
/// lake; U2 and U3 are too young).
#[test]
fn batch_units_by_hand() {
    let f = failure_fixture();
    let from = chrono::NaiveDate::from_ymd_opt(2026, 8, 1);
    let units = super::batch_units::batch_units(f.inputs().units, &month(), from, &Config::defaults());
    let df = units.collect().unwrap();
    let cols = [
        "production_batch",
        "bf",
        "bm",
        "bu",
        "units",
        "past",
        "exposure_main",
        "exposure_unit",
        "nm",
        "sm",
        "fm",
        "nu",
        "su",
        "fu",
        "main_open",
        "unit_open",
    ];
    // Sorted by line (commercial_economy first), batch and bins.
    let want: Vec<Vec<&str>> = vec![
        vec!["B3", "9", "11", "11", "1", "0", "356", "356", "1", "356", "295", "1", "356", "295", "1", "1"],
        vec!["B1", "0", "0", "0", "2", "0", "1", "1", "1", "1", "0", "1", "1", "0", "2", "2"],
        vec!["B1", "6", "8", "8", "1", "0", "254", "254", "1", "254", "193", "1", "254", "193", "1", "1"],
        vec!["B2", "22", "24", "23", "1", "0", "746", "730", "1", "746", "685", "1", "730", "685", "1", "0"],
        vec!["B2", "34", "36", "24", "1", "0", "1096", "731", "1", "1096", "1065", "0", "0", "0", "0", "0"],
    ];
    assert_eq!(rows(&df, &cols), want);
}
