//! The lake (contract section 3): Hive layout readable by an independent
//! Parquet reader, latest load wins whatever the ingest order, idempotent
//! and skip-unchanged loads, and recovery from an interrupted load.

use std::fs::File;

use arrow::datatypes::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::workdir::*;

const REPAIRS: &str =
    "repair_id,serial,station_id,reported_at,completed_at,component,cause,warranty_claim,labor_cost,description\n";
const FORMS: &str = "form_id,line_no,station_id,report_month,submitted_at,component,quantity,major_issue\n";

#[test]
fn an_independent_reader_sees_typed_columns() {
    let w = Workdir::new();
    w.write(
        "in/2026-10/repairs.csv",
        format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,2026-10-02 17:00,motor,quality,yes,120.50,x\n"),
    );
    w.write(
        "in/2026-10/units.csv",
        "serial,model,product_line,production_batch,production_date,sale_date,station_id\nS1,M1,household,B1,2026-01-05,2026-02-01,ST1\n",
    );
    w.write("in/2026-10/parts.csv", "order_id,station_id,part_no,component,quantity,requested_at,promised_at\nO1,ST1,P1,motor,2,2026-10-01,2026-10-03\n");
    w.ingest().expect(0);

    let path = w.path("lake/repairs/load_month=2026-10/part-0.parquet");
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
    let schema = reader.schema().clone();
    let ty = |c: &str| schema.field_with_name(c).unwrap().data_type().clone();
    assert!(
        matches!(ty("repair_id"), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
        "{:?}",
        ty("repair_id")
    );
    assert_eq!(ty("reported_at"), DataType::Timestamp(TimeUnit::Microsecond, None));
    assert_eq!(ty("warranty_claim"), DataType::Boolean);
    assert_eq!(ty("labor_cost"), DataType::Decimal128(18, 2));
    assert_eq!(ty("source_line"), DataType::Int64);
    let batches: Vec<_> = reader.build().unwrap().map(|b| b.unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    let cost = batches[0]
        .column_by_name("labor_cost")
        .unwrap()
        .as_any()
        .downcast_ref::<arrow::array::Decimal128Array>()
        .unwrap()
        .value(0);
    assert_eq!(cost, 12050);

    let units = ParquetRecordBatchReaderBuilder::try_new(
        File::open(w.path("lake/units/load_month=2026-10/part-0.parquet")).unwrap(),
    )
    .unwrap();
    assert_eq!(units.schema().field_with_name("sale_date").unwrap().data_type(), &DataType::Date32);
    let parts = ParquetRecordBatchReaderBuilder::try_new(
        File::open(w.path("lake/parts/load_month=2026-10/part-0.parquet")).unwrap(),
    )
    .unwrap();
    assert_eq!(parts.schema().field_with_name("quantity").unwrap().data_type(), &DataType::Int64);
    let rejects = w.path("lake/_rejects/load_month=2026-10/part-0.parquet");
    assert!(rejects.exists());
}

#[test]
fn latest_load_wins_whatever_the_ingest_order() {
    let w = Workdir::new();
    w.write("in/2026-09/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-09-28 08:00,,motor,quality,,,reported\nR2,S2,ST1,2026-09-29 08:00,,motor,quality,,,only in 09\n"));
    w.write(
        "in/2026-10/repairs.csv",
        format!("{REPAIRS}R1,S1,ST1,2026-09-28 08:00,2026-10-02 10:00,motor,quality,,,completed\n"),
    );
    // The later drop first, then the earlier one.
    w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--month", "2026-10"]).expect(0);
    w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--month", "2026-09"]).expect(0);
    let df = w.table("repairs");
    assert_eq!(strs(&df, "repair_id"), some(&["R1", "R2"]));
    assert_eq!(strs(&df, "description"), some(&["completed", "only in 09"]));
    assert_eq!(strs(&df, "load_month"), some(&["2026-10", "2026-09"]));
}

#[test]
fn a_resent_form_replaces_all_its_lines() {
    let w = Workdir::new();
    w.write("in/2026-10/feedback_forms.csv", format!("{FORMS}F1,1,ST1,2026-09,2026-10-08,compressor,2,no\nF1,2,ST1,2026-09,2026-10-08,motor,1,no\nF2,1,ST2,2026-09,2026-10-09,other,0,no\n"));
    w.write("in/2026-11/feedback_forms.csv", format!("{FORMS}F1,1,ST1,2026-09,2026-11-02,compressor,3,是\n"));
    w.ingest().expect(0);
    let df = w.table("feedback_forms");
    assert_eq!(strs(&df, "form_id"), some(&["F1", "F2"]));
    assert_eq!(ints(&df, "quantity"), [Some(3), Some(0)]);
    assert_eq!(strs(&df, "report_month"), some(&["2026-09", "2026-09"]));
}

#[test]
fn unchanged_drops_are_skipped_and_reloads_are_identical() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,9.99,\n"));
    w.write("in/2026-10/units.csv", "serial,model,product_line,production_batch,production_date,sale_date,station_id\nS1,M1,household,B1,2026-01-05,2026-02-01,ST1\n");
    let first = w.ingest().expect(0);
    assert!(first.stdout().contains("loaded 1 drop (2026-10); skipped 0 unchanged"), "{}", first.stdout());
    let before = w.snapshot("lake");
    let second = w.ingest().expect(0);
    assert!(second.stdout().contains("loaded 0 drops; skipped 1 unchanged"), "{}", second.stdout());
    assert_eq!(w.snapshot("lake"), before);

    // A forced reload rewrites everything: the same bytes but for the
    // manifest's timestamp.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--force"]).expect(0);
    let after = w.snapshot("lake");
    let strip = |snap: &[(std::path::PathBuf, Vec<u8>)]| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        snap.iter()
            .map(|(p, b)| {
                if p.extension().is_some_and(|e| e == "json") {
                    let mut v: serde_json::Value = serde_json::from_slice(b).unwrap();
                    v["loaded_at"] = serde_json::Value::Null;
                    // The files' modification times are timestamps too
                    // (recorded once a file has settled).
                    for f in v["files"].as_array_mut().unwrap() {
                        f.as_object_mut().unwrap().remove("modified_ns");
                    }
                    (p.clone(), serde_json::to_vec(&v).unwrap())
                } else {
                    (p.clone(), b.clone())
                }
            })
            .collect()
    };
    assert_eq!(strip(&after), strip(&before));

    // A changed file is loaded again.
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,19.99,\n"));
    let third = w.ingest().expect(0);
    assert!(third.stdout().contains("loaded 1 drop (2026-10)"), "{}", third.stdout());
    // So is an unchanged drop under a changed configuration.
    w.write("qfb.toml", "[windows]\nvisit_days = 10\n");
    let fourth = w.ingest().expect(0);
    assert!(fourth.stdout().contains("loaded 1 drop (2026-10)"), "{}", fourth.stdout());
}

/// A file settled before it was loaded is trusted unchanged while its size
/// and modification time are as recorded, without hashing it; a new time
/// sends it to the hash, and a changed hash reloads it.
#[test]
fn a_settled_file_is_trusted_by_its_size_and_time_until_either_changes() {
    let w = Workdir::new();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let write = |price: &str, at: std::time::SystemTime| {
        let path = w
            .write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,{price},\n"));
        File::options().write(true).open(&path).unwrap().set_modified(at).unwrap();
    };
    write("19.99", hour_ago);
    w.ingest().expect(0);
    let recorded = &w.manifest("2026-10")["files"][0];
    let at = hour_ago.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64;
    assert_eq!(recorded["modified_ns"].as_i64(), Some(at), "{recorded}");

    // The same size and time: taken as unchanged, even with other bytes
    // (the trade every make-like tool makes; `--force` reloads anyway).
    write("29.99", hour_ago);
    assert!(w.ingest().expect(0).stdout().contains("loaded 0 drops; skipped 1 unchanged"));
    // A new time: hashed, found changed, loaded.
    write("29.99", hour_ago + std::time::Duration::from_secs(60));
    assert!(w.ingest().expect(0).stdout().contains("loaded 1 drop (2026-10)"));
    assert_eq!(texts(&w.table("repairs"), "labor_cost"), [Some("29.99".to_string())]);
    // A new time, the same bytes: hashed, found unchanged, skipped.
    write("29.99", hour_ago + std::time::Duration::from_secs(120));
    assert!(w.ingest().expect(0).stdout().contains("loaded 0 drops; skipped 1 unchanged"));
    // A file written just now is not trusted by its time: not recorded.
    write("39.99", std::time::SystemTime::now());
    w.ingest().expect(0);
    assert!(w.manifest("2026-10")["files"][0].get("modified_ns").is_none());
}

#[test]
fn a_reload_drops_the_partitions_of_tables_the_drop_no_longer_has() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,\n"));
    w.write(
        "in/2026-10/visits.csv",
        "visit_id,repair_id,visited_at,channel,reached\nV1,R1,2026-10-02 10:00,phone,yes\n",
    );
    w.ingest().expect(0);
    assert!(w.path("lake/visits/load_month=2026-10/part-0.parquet").exists());
    std::fs::remove_file(w.path("in/2026-10/visits.csv")).unwrap();
    // Records are never deleted by accident (issue #10): only on purpose.
    w.ingest().expect(1);
    assert!(w.path("lake/visits/load_month=2026-10/part-0.parquet").exists());
    w.qfb(&["ingest", "--input", "in", "--lake", "lake", "--allow-shrink"]).expect(0);
    assert!(!w.path("lake/visits/load_month=2026-10").exists());
    assert_eq!(w.table("visits").height(), 0);
    assert_eq!(w.table("repairs").height(), 1);
}

#[test]
fn an_interrupted_load_leaves_a_whole_lake_and_is_finished_later() {
    let w = Workdir::new();
    w.write("in/2026-10/repairs.csv", format!("{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,\n"));
    w.ingest().expect(0);

    // Killed before the commit: a half-written temp file and a store file
    // no manifest lists. Readers ignore both; the next load clears them.
    w.write("lake/repairs/load_month=2026-10/.part-0.parquet.tmp", b"half");
    w.write("lake/_store/repairs/load_month=2026-10/0123456789abcdef0123456789abcdef.parquet", b"orphan");
    assert_eq!(w.table("repairs").height(), 1);

    // Killed after the commit, before publishing: the public file is stale.
    let public = w.path("lake/repairs/load_month=2026-10/part-0.parquet");
    std::fs::remove_file(&public).unwrap();
    assert_eq!(w.table("repairs").height(), 1, "qfb reads the committed store file");
    let run = w.ingest().expect(0);
    assert!(run.stdout().contains("skipped 1 unchanged"));
    assert!(public.exists(), "the next run publishes the committed partition");
    w.write(
        "in/2026-10/repairs.csv",
        format!(
            "{REPAIRS}R1,S1,ST1,2026-10-01 08:00,,motor,quality,,,\nR2,S1,ST1,2026-10-01 08:00,,motor,quality,,,\n"
        ),
    );
    w.ingest().expect(0);
    let store = || {
        let mut names: Vec<String> = std::fs::read_dir(w.path("lake/_store/repairs/load_month=2026-10"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The superseded and orphan files stay for readers of the old manifest
    // (`lake::READER_GRACE`), each stamped when it was superseded...
    assert_eq!(store().iter().filter(|n| n.ends_with(".superseded")).count(), 2, "{:?}", store());
    assert_eq!(store().iter().filter(|n| n.ends_with(".parquet")).count(), 3, "{:?}", store());
    // ...and go with the first writer after the grace period.
    for n in store().iter().filter(|n| n.ends_with(".superseded")) {
        let f =
            std::fs::File::options().write(true).open(w.path(&format!("lake/_store/repairs/load_month=2026-10/{n}")));
        f.unwrap().set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200)).unwrap();
    }
    w.ingest().expect(0);
    assert_eq!(store().len(), 1, "old and orphan store files are removed: {:?}", store());
    assert_eq!(w.table("repairs").height(), 2);
}

#[test]
fn the_run_command_ingests_the_bundled_example() {
    let w = Workdir::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
    let run = w.qfb(&["run", "--input", sample, "--out", "out"]).expect(0);
    assert!(run.stdout().contains("qfb summary for 2026-09 (complete)"), "{}", run.stdout());
    assert!(w.path("out/lake/_manifests").exists());
}

/// A lake written by an older qfb: units without `sale_price` (schemas
/// before contract v3) and rejects without `station_id` and `repair_id`.
/// `qfb metrics` and `qfb report` read it as it is (the columns as nulls)
/// and give the same failure rates and KPIs as on the new lake.
#[test]
fn a_lake_from_an_older_qfb_is_read_as_it_is() {
    use polars::prelude::{ParquetReader, ParquetWriter, SerReader};
    let w = Workdir::new();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/sample-data");
    w.qfb(&["ingest", "--input", sample, "--lake", "lake"]).expect(0);
    w.qfb(&["metrics", "--lake", "lake", "--out", "new"]).expect(0);
    for entry in std::fs::read_dir(w.path("lake/_manifests")).unwrap() {
        let path = entry.unwrap().path();
        let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        m["schema_hash"] = "an-older-schema".into();
        // Nor did it keep the units by dates or their serials' hashes: the
        // run groups the units and hashes their serials.
        m["partitions"].as_array_mut().unwrap().retain(|p| p["table"] != "_unit_dates" && p["table"] != "_unit_keys");
        for p in m["partitions"].as_array().unwrap() {
            let drop = match p["table"].as_str().unwrap() {
                "units" => vec!["sale_price"],
                "_rejects" => vec!["station_id", "repair_id"],
                _ => continue,
            };
            let store = w.path(&format!("lake/{}", p["store"].as_str().unwrap()));
            let df = ParquetReader::new(std::fs::File::open(&store).unwrap()).finish().unwrap();
            let mut df = df.drop_many(drop);
            ParquetWriter::new(std::fs::File::create(&store).unwrap()).finish(&mut df).unwrap();
        }
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    }
    w.qfb(&["metrics", "--lake", "lake", "--out", "old"]).expect(0);
    w.qfb(&["report", "--lake", "lake", "--out", "old"]).expect(0);
    for t in ["failure_rates", "batch_failure_rates", "kpis", "station_kpis", "claim_audit", "sanbao", "early_failures"]
    {
        let read = |dir: &str| {
            let path = w.path(&format!("{dir}/metrics/month=2026-09/{t}.parquet"));
            ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap()
        };
        assert!(read("old").equals_missing(&read("new")), "{t}");
    }
    // Without prices, no allowance: every station's is 0.
    let allowance =
        ParquetReader::new(std::fs::File::open(w.path("old/metrics/month=2026-09/parts_allowance.parquet")).unwrap())
            .finish()
            .unwrap();
    assert!(texts(&allowance, "allowance").iter().all(|a| a.as_deref() == Some("0.00")));
}
