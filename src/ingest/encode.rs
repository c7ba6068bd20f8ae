//! Validated rows as typed frames in the lake's schema
//! (`lake::frame`): one table's rows with their lineage columns, and a
//! load's rejects.

use polars::prelude::*;

use crate::ingest::rows::{ColumnData, Reject, ValidatedTable};
use crate::lake::frame::{SOURCE_FILE, SOURCE_LINE};
use crate::schema::TableSchema;

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

/// A validated table as a frame in the canonical column order. The rows
/// are moved out of `t` column by column, each released once encoded, so
/// a large file is never held twice over (`ValidatedTable::release_rows`).
pub fn table_frame(schema: &TableSchema, t: &mut ValidatedTable) -> PolarsResult<DataFrame> {
    let rows = t.rows();
    let mut cols = Vec::with_capacity(t.columns.len() + 2);
    for (c, data) in schema.columns.iter().zip(std::mem::take(&mut t.columns)) {
        cols.push(column(&c.name, &data)?);
    }
    cols.push(
        StringChunked::from_iter_values(
            SOURCE_FILE.into(),
            t.source_file.iter().map(|&i| t.file_names[i as usize].as_str()),
        )
        .into_column(),
    );
    cols.push(Int64Chunked::from_slice(SOURCE_LINE.into(), &t.source_line).into_column());
    t.release_rows();
    DataFrame::new(rows, cols)
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
        s("station_id", &|r| r.station_id.as_deref()),
        s("repair_id", &|r| r.repair_id.as_deref()),
    ];
    DataFrame::new(rejects.len(), cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_frame_has_the_lakes_rejects_schema() {
        let df = rejects_frame(&[]).unwrap();
        assert_eq!(df.schema().as_ref(), &crate::lake::frame::rejects_schema());
    }
}
