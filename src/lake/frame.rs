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

/// Parquet bytes, zstd-compressed with statistics. Deterministic: the same
/// frame gives the same bytes.
pub fn parquet_bytes(df: &mut DataFrame) -> PolarsResult<Vec<u8>> {
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::default())
        .finish(df)?;
    Ok(buf)
}
