//! Typed frames for the lake: a validated table or a load's rejects become a
//! polars DataFrame with the full canonical schema, and then Parquet bytes.
//! Dates are Date, datetimes Datetime(us) with no time zone (station local
//! time), money Decimal(18, 2), codes strings, counts Int64.

use polars::prelude::*;

use crate::ingest::validate::{ColumnData, Reject, ValidatedTable};
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

fn column(name: &str, data: &ColumnData) -> PolarsResult<Column> {
    let name: PlSmallStr = name.into();
    let s = match data {
        ColumnData::Str(c) => StringChunked::from_iter_options(name, c.iter()).into_series(),
        ColumnData::Date(v) => Int32Chunked::from_slice_options(name, v).into_date().into_series(),
        ColumnData::Datetime(v) => {
            Int64Chunked::from_slice_options(name, v).into_datetime(TimeUnit::Microseconds, None).into_series()
        }
        ColumnData::Bool(v) => BooleanChunked::from_slice_options(name, v).into_series(),
        ColumnData::Int(v) => Int64Chunked::from_slice_options(name, v).into_series(),
        ColumnData::Money(v) => Int128Chunked::from_iter_options(name, v.iter().map(|c| c.map(i128::from)))
            .into_decimal(18, 2)?
            .into_series(),
    };
    Ok(s.into_column())
}

/// A validated table as a frame in the canonical column order.
pub fn table_frame(schema: &TableSchema, t: &ValidatedTable) -> PolarsResult<DataFrame> {
    let mut cols = Vec::with_capacity(t.columns.len() + 2);
    for (c, data) in schema.columns.iter().zip(&t.columns) {
        cols.push(column(&c.name, data)?);
    }
    cols.push(
        StringChunked::from_iter_values(
            SOURCE_FILE.into(),
            t.source_file.iter().map(|&i| t.file_names[i as usize].as_str()),
        )
        .into_column(),
    );
    cols.push(Int64Chunked::from_slice(SOURCE_LINE.into(), &t.source_line).into_column());
    DataFrame::new(t.rows(), cols)
}

/// The rejects of one load, all tables together.
pub fn rejects_frame(rejects: &[Reject]) -> PolarsResult<DataFrame> {
    let s = |name: &str, f: &dyn Fn(&Reject) -> Option<&str>| {
        StringChunked::from_iter_options(name.into(), rejects.iter().map(f)).into_column()
    };
    let cols = vec![
        s("table", &|r| Some(&r.table)),
        s("source_file", &|r| Some(&r.source_file)),
        Int64Chunked::from_iter_values("line".into(), rejects.iter().map(|r| r.line as i64)).into_column(),
        s("column", &|r| r.column.as_deref()),
        s("value", &|r| r.value.as_deref()),
        s("key", &|r| r.key.as_deref()),
        s("rule", &|r| Some(r.rule)),
        s("reason", &|r| Some(&r.reason)),
        s("action", &|r| Some(r.action.as_str())),
    ];
    DataFrame::new(rejects.len(), cols)
}

/// The schema of the rejects table.
pub fn rejects_schema() -> Schema {
    rejects_frame(&[]).map(|df| df.schema().as_ref().clone()).unwrap_or_default()
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
