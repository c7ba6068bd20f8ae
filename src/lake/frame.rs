//! The lake's typed schemas, and frames as Parquet bytes. Dates are Date,
//! datetimes Datetime(us) with no time zone (station local time), money
//! Decimal(18, 2), codes strings, counts Int64. Turning validated rows into
//! these frames is ingest's business (`ingest::encode`): the lake knows
//! schemas and files, not how rows were read.

use polars::prelude::*;

use crate::schema::{ColumnType, TableSchema};

/// Lineage columns after the canonical ones: where each row came from.
pub const SOURCE_FILE: &str = "source_file";
pub const SOURCE_LINE: &str = "source_line";

pub fn dtype(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::String | ColumnType::Text | ColumnType::Code | ColumnType::Month => DataType::String,
        ColumnType::Date => DataType::Date,
        ColumnType::Datetime => DataType::Datetime(TimeUnit::Microseconds, None),
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Int => DataType::Int64,
        ColumnType::Money => DataType::Decimal(18, 2),
    }
}

/// The lake schema of an input table, lineage columns included.
pub fn table_schema(schema: &TableSchema) -> Schema {
    let mut s: Schema = schema.columns.iter().map(|c| Field::new(c.name.as_str().into(), dtype(c.ty))).collect();
    s.with_column(SOURCE_FILE.into(), DataType::String);
    s.with_column(SOURCE_LINE.into(), DataType::Int64);
    s
}

/// The schema of the rejects table (`ingest::encode::rejects_frame` writes
/// it; a test there checks that the two agree).
pub fn rejects_schema() -> Schema {
    let int = ["line"];
    ["table", "source_file", "line", "column", "value", "key", "rule", "reason", "action", "station_id", "repair_id"]
        .iter()
        .map(|c| Field::new((*c).into(), if int.contains(c) { DataType::Int64 } else { DataType::String }))
        .collect()
}

/// The columns of a `_unit_dates` partition: a load's units counted by
/// (product_line, sale_date, install_date) as `n`.
pub fn unit_dates_schema() -> Schema {
    Schema::from_iter([
        Field::new("product_line".into(), DataType::String),
        Field::new("sale_date".into(), DataType::Date),
        Field::new("install_date".into(), DataType::Date),
        Field::new("n".into(), DataType::Int64),
    ])
}

/// A load's units by dates (`unit_dates_schema`), sorted so that the same
/// units give the same bytes (nulls first, as polars sorts). `units`: the
/// load's units frame. Counted in one hash map: a polars group-by per
/// drop cost more at ingest than grouping every unit in the run saved.
pub fn unit_dates(units: &DataFrame) -> PolarsResult<DataFrame> {
    let line = units.column("product_line")?.str()?;
    let sale = units.column("sale_date")?.date()?.physical();
    let install = units.column("install_date")?.date()?.physical();
    // A drop has a few product lines: each row's line is found among them
    // by comparison, so that no string is hashed per row (26M rows in the
    // first drop at 100M units).
    let mut lines: Vec<Option<&str>> = Vec::new();
    let mut counts: std::collections::HashMap<_, i64, foldhash::fast::FixedState> = Default::default();
    for ((l, s), i) in line.iter().zip(sale.iter()).zip(install.iter()) {
        let k = match lines.iter().position(|x| *x == l) {
            Some(k) => k,
            None => {
                lines.push(l);
                lines.len() - 1
            }
        };
        *counts.entry((k, s, i)).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().map(|((k, s, i), n)| ((lines[k], s, i), n)).collect();
    rows.sort_unstable();
    let date = |v: Vec<Option<i32>>, name: &str| Column::new(name.into(), v).cast(&DataType::Date);
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("product_line".into(), rows.iter().map(|r| r.0 .0).collect::<Vec<_>>()),
            date(rows.iter().map(|r| r.0 .1).collect(), "sale_date")?,
            date(rows.iter().map(|r| r.0 .2).collect(), "install_date")?,
            Column::new("n".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
        ],
    )
}

/// The column of a `_unit_keys` partition: the XXH3-64 hash of each of a
/// load's serials ([`key_hash`]), ascending. The algorithm is in the name,
/// so that a qfb that hashes otherwise finds no such column and reads the
/// serials instead.
pub const UNIT_KEY_HASH: &str = "serial_xxh3";

pub fn unit_keys_schema() -> Schema {
    Schema::from_iter([Field::new(UNIT_KEY_HASH.into(), DataType::UInt64)])
}

/// A key's 64-bit hash: XXH3 with its default seed, a published algorithm,
/// because the lake keeps these hashes across qfb versions. Equal hashes
/// only ever mean "maybe the same key".
pub fn key_hash(key: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key)
}

/// A load's serials hashed and sorted (`unit_keys_schema`). `units`: the
/// load's units frame, whose serials are distinct (within a load, keys
/// are). Sorted, the loads' lists merge in one pass when a run asks
/// whether any serial was loaded twice (`read::kept_keys_distinct`).
pub fn unit_keys(units: &DataFrame) -> PolarsResult<DataFrame> {
    let mut hashes: Vec<u64> =
        units.column("serial")?.str()?.iter().flatten().map(|k| key_hash(k.as_bytes())).collect();
    hashes.sort_unstable();
    DataFrame::new(hashes.len(), vec![Column::new(UNIT_KEY_HASH.into(), hashes)])
}

/// Parquet bytes, zstd-compressed with statistics. Deterministic: the same
/// frame gives the same bytes.
pub fn parquet_bytes(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    parquet_bytes_with(df, ParquetCompression::Zstd(None))
}

/// [`parquet_bytes`] uncompressed, for what does not compress: hashes
/// (zstd would spend its time finding nothing).
pub fn parquet_bytes_plain(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    parquet_bytes_with(df, ParquetCompression::Uncompressed)
}

fn parquet_bytes_with(df: &mut DataFrame, compression: ParquetCompression) -> PolarsResult<Vec<u8>> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(compression)
        .with_statistics(StatisticsOptions::default())
        .finish(df)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loads_units_by_dates_are_counted_and_sorted_nulls_first() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let units = df![
            "serial" => ["A", "B", "C", "D", "E"],
            "product_line" => ["household", "commercial", "household", "household", "household"],
            "sale_date" => [d("2026-02-01"), d("2026-01-01"), d("2026-02-01"), d("2026-01-15"), d("2026-02-01")],
            "install_date" => [None, d("2026-01-03"), None, d("2026-01-20"), d("2026-02-02")],
        ]
        .unwrap();
        let got = unit_dates(&units).unwrap();
        assert_eq!(got.schema().as_ref(), &unit_dates_schema());
        let cell = |c: &str, r: usize| got.column(c).unwrap().get(r).unwrap().to_string();
        let rows: Vec<[String; 4]> = (0..got.height())
            .map(|r| [cell("product_line", r), cell("sale_date", r), cell("install_date", r), cell("n", r)])
            .collect();
        let want = [
            ["\"commercial\"", "2026-01-01", "2026-01-03", "1"],
            ["\"household\"", "2026-01-15", "2026-01-20", "1"],
            ["\"household\"", "2026-02-01", "null", "2"],
            ["\"household\"", "2026-02-01", "2026-02-02", "1"],
        ];
        assert_eq!(rows, want.map(|r| r.map(String::from)));
    }

    #[test]
    fn a_loads_serials_are_kept_as_sorted_xxh3_hashes() {
        // XXH3-64 of "" with the default seed, from the algorithm's
        // reference implementation: the kept hashes must never change
        // algorithm unnoticed.
        assert_eq!(key_hash(b""), 0x2d06_8005_38d3_94c2);
        let units = df!["serial" => ["SN3", "SN1", "SN2"]].unwrap();
        let got = unit_keys(&units).unwrap();
        assert_eq!(got.schema().as_ref(), &unit_keys_schema());
        let got: Vec<u64> = got.column(UNIT_KEY_HASH).unwrap().u64().unwrap().into_no_null_iter().collect();
        let mut want = vec![key_hash(b"SN1"), key_hash(b"SN2"), key_hash(b"SN3")];
        want.sort_unstable();
        assert_eq!(got, want);
    }
}
