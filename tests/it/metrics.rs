//! `qfb metrics` and `qfb run` end to end: figures of the bundled sample
//! checked against a plain CSV computation, restatement by later loads,
//! form timing across drops, determinism, and the output's types.

use std::collections::HashMap;
use std::fs::File;

use arrow::datatypes::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::workdir::*;

fn sample() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data")
}

/// Latest row per key over the drops' UTF-8 `name` files, in load order.
fn latest_rows(name: &str, key: usize) -> HashMap<String, csv::StringRecord> {
    let mut months: Vec<_> =
        std::fs::read_dir(sample()).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    months.sort();
    let mut out = HashMap::new();
    for m in months {
        let Ok(mut rdr) = csv::ReaderBuilder::new().flexible(true).from_path(m.join(name)) else { continue };
        let width = rdr.headers().unwrap().len();
        for r in rdr.records().flatten() {
            if r.len() == width && !r[key].is_empty() {
                out.insert(r[key].to_string(), r);
            }
        }
    }
    out
}

fn parse_dt(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok()
}

/// Read one metrics table with the independent reader: (schema, rows as strings).
fn read_table(w: &Workdir, month: &str, table: &str) -> (arrow::datatypes::SchemaRef, Vec<arrow::array::RecordBatch>) {
    let path = w.path(&format!("out/metrics/month={month}/{table}.parquet"));
    let b = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let schema = b.schema().clone();
    (schema, b.build().unwrap().map(|x| x.unwrap()).collect())
}

fn kpi(w: &Workdir, month: &str, name: &str) -> (i64, i64) {
    let (_, batches) = read_table(w, month, "kpis");
    for b in batches {
        let names = arrow::compute::cast(b.column_by_name("kpi").unwrap(), &DataType::Utf8).unwrap();
        let names = names.as_any().downcast_ref::<arrow::array::StringArray>().unwrap();
        let num = b.column_by_name("numerator").unwrap().as_any().downcast_ref::<arrow::array::Int64Array>().unwrap();
        let den = b.column_by_name("denominator").unwrap().as_any().downcast_ref::<arrow::array::Int64Array>().unwrap();
        for i in 0..b.num_rows() {
            if names.value(i) == name {
                return (num.value(i), den.value(i));
            }
        }
    }
    panic!("no kpi {name}");
}

#[test]
fn the_monthly_run_on_the_sample_matches_a_plain_computation() {
    let w = Workdir::new();
    let run = w.qfb(&["run", "--input", sample(), "--out", "out"]).expect(0);
    let out = run.stdout();
    assert!(out.contains("qfb summary for 2026-09 (complete)"), "{out}");
    // The planted batch heads the batch list.
    let batches = out.split("Batches with the highest failure rate").nth(1).unwrap();
    assert!(
        batches.lines().nth(1).unwrap().trim_start().starts_with("H2509-0016   household           compressor"),
        "{batches}"
    );

    // response_24h for 2026-09, with a plain iterator over the CSV rows.
    let repairs = latest_rows("repairs.csv", 0);
    let (start, end) = (parse_dt("2026-09-01 00:00").unwrap(), parse_dt("2026-10-01 00:00").unwrap());
    let (mut hits, mut total) = (0, 0);
    for r in repairs.values() {
        let Some(rep) = parse_dt(&r[3]) else { continue };
        if rep < start || rep >= end {
            continue;
        }
        total += 1;
        if let Some(resp) = parse_dt(&r[4]) {
            if resp >= rep && resp - rep <= chrono::Duration::hours(24) {
                hits += 1;
            }
        }
    }
    assert_eq!(kpi(&w, "2026-09", "response_24h"), (hits, total));

    // parts_on_time for 2026-09.
    let parts = latest_rows("parts.csv", 0);
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let (mut hits, mut total) = (0, 0);
    for r in parts.values() {
        let Some(promised) = d(&r[7]) else { continue };
        if promised.format("%Y-%m").to_string() != "2026-09" || d(&r[6]).is_none_or(|q| q > promised) {
            continue;
        }
        total += 1;
        if d(&r[8]).is_some_and(|s| s <= promised) {
            hits += 1;
        }
    }
    assert_eq!(kpi(&w, "2026-09", "parts_on_time"), (hits, total));

    // The planted batch's compressor failures to the end of 2026-09: units
    // of the batch, quality compressor repairs reported from the sale on.
    let units = latest_rows("units.csv", 0);
    let mut failing = std::collections::HashSet::new();
    let mut count = 0;
    for r in repairs.values() {
        let Some(u) = units.get(&r[1]) else { continue };
        let (Some(rep), Some(sale)) = (parse_dt(&r[3]), d(&u[5])) else { continue };
        if &u[3] == "H2509-0016" && &r[7] == "compressor" && &r[9] == "quality" && rep < end && rep.date() >= sale {
            failing.insert(r[1].to_string());
            count += 1;
        }
    }
    let (_, batches) = read_table(&w, "2026-09", "batch_failure_rates");
    let mut found = None;
    for b in &batches {
        let s = |c: &str| arrow::compute::cast(b.column_by_name(c).unwrap(), &DataType::Utf8).unwrap();
        let (batch, comp, fails, reps) = (s("production_batch"), s("component"), s("failures"), s("repairs"));
        let str_at = |a: &arrow::array::ArrayRef, i: usize| {
            a.as_any().downcast_ref::<arrow::array::StringArray>().unwrap().value(i).to_string()
        };
        for i in 0..b.num_rows() {
            if str_at(&batch, i) == "H2509-0016" && str_at(&comp, i) == "compressor" {
                found = Some((str_at(&fails, i), str_at(&reps, i)));
            }
        }
    }
    assert_eq!(found, Some((failing.len().to_string(), count.to_string())));
    assert!(failing.len() > 50, "the planted batch fails a lot: {}", failing.len());
}

#[test]
fn metric_files_are_typed_and_byte_identical_across_runs() {
    let w = Workdir::new();
    w.qfb(&["run", "--input", sample(), "--out", "out"]).expect(0);
    let first = w.snapshot("out/metrics");
    assert_eq!(first.len(), 10);
    w.qfb(&["metrics", "--lake", "out/lake", "--out", "out"]).expect(0);
    assert_eq!(w.snapshot("out/metrics"), first);

    let (schema, _) = read_table(&w, "2026-09", "failure_rates");
    let ty = |c: &str| schema.field_with_name(c).unwrap().data_type().clone();
    assert_eq!(ty("failures"), DataType::Int64);
    assert_eq!(ty("exposure_unit_months"), DataType::Float64);
    assert_eq!(ty("rate_per_1000"), DataType::Float64);
    assert_eq!(ty("provisional"), DataType::Boolean);
    let (schema, _) = read_table(&w, "2026-09", "claim_audit");
    assert_eq!(schema.field_with_name("labor_cost").unwrap().data_type(), &DataType::Decimal128(18, 2));
    assert_eq!(
        schema.field_with_name("reported_at").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, None)
    );
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(
        names,
        [
            "month",
            "repair_id",
            "station_id",
            "serial",
            "component",
            "cause",
            "reported_at",
            "reason",
            "labor_cost",
            "parts_cost",
            "provisional"
        ]
    );
    let (schema, _) = read_table(&w, "2026-09", "station_kpis");
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(
        names,
        [
            "month",
            "station_id",
            "kpi",
            "numerator",
            "denominator",
            "value",
            "target",
            "direction",
            "met",
            "provisional"
        ]
    );

    // A range backfills several months; the last load month is provisional.
    w.qfb(&["metrics", "--lake", "out/lake", "--out", "out", "--months", "2026-08..2026-10"]).expect(0);
    assert!(w.path("out/metrics/month=2026-08/kpis.parquet").exists());
    let run = w.qfb(&["metrics", "--lake", "out/lake", "--out", "out", "--month", "2026-10"]).expect(0);
    assert!(run.stdout().contains("metrics for 2026-10 (provisional)"), "{}", run.stdout());
}

const UNITS: &str = "serial,model,product_line,production_batch,production_date,sale_date,station_id\nU1,M,household,B1,2026-01-01,2026-02-01,S1\n";
const REPAIRS: &str = "repair_id,serial,station_id,reported_at,component,cause\n";
const FORMS: &str = "form_id,line_no,station_id,report_month,submitted_at,component,quantity\n";
const STATIONS: &str = "station_id,name,region,active\nS1,One,East,true\nS2,Two,East,true\n";

#[test]
fn later_loads_restate_a_month_and_forms_count_by_drop() {
    let w = Workdir::new();
    w.write("in/2026-09/units.csv", UNITS);
    w.write("in/2026-09/stations.csv", STATIONS);
    w.write("in/2026-09/repairs.csv", format!("{REPAIRS}R1,U1,S1,2026-09-03 10:00,compressor,quality\n"));
    // Drop M+1: a correction of R1's cause; S1's form with two lines, on time.
    w.write("in/2026-10/stations.csv", STATIONS);
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,U1,S1,2026-09-03 10:00,compressor,installation\n"));
    w.write(
        "in/2026-10/feedback_forms.csv",
        format!("{FORMS}F1,1,S1,2026-09,2026-10-10,compressor,1\nF1,2,S1,2026-09,2026-10-10,motor,2\n"),
    );
    // Drop M+2: S2's form for M arrives late; S1 re-sends its form with one line.
    w.write(
        "in/2026-11/feedback_forms.csv",
        format!("{FORMS}F2,1,S2,2026-09,2026-10-09,other,0\nF1,1,S1,2026-09,2026-11-02,compressor,0\n"),
    );
    w.ingest().expect(0);
    w.qfb(&["metrics", "--lake", "lake", "--out", "out", "--month", "2026-09"]).expect(0);

    // The correction in a later load restates September: no failure left.
    let lake_out = |t: &str| read_table(&w, "2026-09", t).1;
    let fr = &lake_out("failure_rates")[0];
    let fails = fr.column_by_name("failures").unwrap().as_any().downcast_ref::<arrow::array::Int64Array>().unwrap();
    assert_eq!(fails.iter().map(|x| x.unwrap()).sum::<i64>(), 0);
    // form_on_time reads drops up to M+1 as loaded: S1 on time, S2's form
    // came in M+2 and does not count, though its date is before the 10th.
    assert_eq!(kpi_at(&w, "form_on_time"), (1, 2));
    // Reconciliation uses the latest version of each form: F1 now reports
    // compressor 0 and no motor line, S2 reports 0, and after the
    // correction no quality repair is recorded: every pair agrees.
    let rec = lake_out("form_reconciliation");
    assert_eq!(rec.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
}

fn kpi_at(w: &Workdir, name: &str) -> (i64, i64) {
    kpi(w, "2026-09", name)
}

/// A unit re-sent in a later load with another line, batch and sale date
/// is counted once, as last sent: the lake's loads then hold a serial twice,
/// so the metrics read the units' latest-load-wins state, not the scan of
/// the partitions they use when no serial repeats. By hand, for 2026-09
/// (30 days): U1 (household, B1) and U2 (now commercial_economy, B2) are
/// each in warranty all month, 1.0 unit-month each; U2's compressor
/// failure counts for commercial_economy. Counted twice, U2 would give the
/// `all` row 3.0 unit-months and household a second unit.
#[test]
fn a_re_sent_unit_counts_once_with_its_latest_values() {
    let w = Workdir::new();
    let header = "serial,model,product_line,production_batch,production_date,sale_date,station_id\n";
    w.write(
        "in/2026-09/units.csv",
        format!("{header}U1,M,household,B1,2026-01-01,2026-02-01,S1\nU2,M,household,B1,2026-01-01,2026-03-01,S1\n"),
    );
    w.write("in/2026-09/stations.csv", STATIONS);
    w.write("in/2026-09/repairs.csv", format!("{REPAIRS}R1,U2,S1,2026-09-03 10:00,compressor,quality\n"));
    w.write("in/2026-10/units.csv", format!("{header}U2,M,commercial_economy,B2,2026-01-01,2026-04-01,S1\n"));
    w.write("in/2026-10/stations.csv", STATIONS);
    w.ingest().expect(0);
    w.qfb(&["metrics", "--lake", "lake", "--out", "out", "--month", "2026-09"]).expect(0);

    let rates: Vec<Vec<String>> =
        cells(&w, "failure_rates", &["product_line", "component", "exposure_unit_months", "failures"])
            .into_iter()
            .filter(|r| r[1] == "compressor")
            .collect();
    let at = |line: &str| rates.iter().find(|r| r[0] == line).map(|r| (r[2].as_str(), r[3].as_str()));
    assert_eq!(at("household"), Some(("1.0", "0")), "{rates:?}");
    assert_eq!(at("commercial_economy"), Some(("1.0", "1")), "{rates:?}");
    assert_eq!(at("all"), Some(("2.0", "1")), "{rates:?}");

    let mut units: Vec<(String, String)> =
        cells(&w, "batch_failure_rates", &["production_batch", "component", "units"])
            .into_iter()
            .filter(|r| r[1] == "compressor")
            .map(|r| (r[0].clone(), r[2].clone()))
            .collect();
    units.sort();
    assert_eq!(units, [("B1".to_string(), "1".to_string()), ("B2".to_string(), "1".to_string())]);
}

/// The cells of `cols` of a 2026-09 metrics table, as text, row by row.
fn cells(w: &Workdir, table: &str, cols: &[&str]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for b in read_table(w, "2026-09", table).1 {
        for r in 0..b.num_rows() {
            let cell = |c: &&str| arrow::util::display::array_value_to_string(b.column_by_name(c).unwrap(), r).unwrap();
            out.push(cols.iter().map(cell).collect());
        }
    }
    out
}
