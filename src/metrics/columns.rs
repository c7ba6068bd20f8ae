//! Reading small result frames (metric tables, the report's inputs)
//! column by column, cast as needed, with nulls kept.

use polars::prelude::*;

fn cast(df: &DataFrame, c: &str, to: DataType) -> Option<Column> {
    df.column(c).ok().and_then(|s| s.cast(&to).ok())
}

pub fn texts(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    cast(df, c, DataType::String)
        .map(|s| {
            let ca = s.str().expect("cast to string");
            (0..ca.len()).map(|i| ca.get(i).map(str::to_string)).collect()
        })
        .unwrap_or_else(|| vec![None; df.height()])
}

pub fn numbers(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    cast(df, c, DataType::Float64)
        .map(|s| {
            let ca = s.f64().expect("cast to f64");
            (0..ca.len()).map(|i| ca.get(i)).collect()
        })
        .unwrap_or_else(|| vec![None; df.height()])
}

pub fn flags(df: &DataFrame, c: &str) -> Vec<Option<bool>> {
    cast(df, c, DataType::Boolean)
        .map(|s| {
            let ca = s.bool().expect("cast to bool");
            (0..ca.len()).map(|i| ca.get(i)).collect()
        })
        .unwrap_or_else(|| vec![None; df.height()])
}

/// A Decimal(18, 2) money column in integer cents, read from its exact
/// decimal text: never through `f64`, which rounds beyond 15 digits
/// (9999999999999999.99 would read as 10000000000000000).
pub fn cents(df: &DataFrame, c: &str) -> Vec<Option<i128>> {
    texts(df, c).into_iter().map(|v| v.and_then(|t| crate::ingest::parse::money(&t).ok()).map(i128::from)).collect()
}

/// Cents as yuan with two decimals, exactly.
pub fn money_text(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}
