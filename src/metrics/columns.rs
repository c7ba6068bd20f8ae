//! Reading small result frames (metric tables, the alerts' and the report's
//! inputs) column by column, cast as needed, with nulls kept: the one set
//! of readers every stage uses. These frames are qfb's own, so a missing
//! column is a bug: `strings` and `ints` return the error, the `Vec`
//! readers panic naming the column; none reads it as all nulls and so
//! silently blanks a report column.

use polars::prelude::*;

fn cast(df: &DataFrame, c: &str, to: DataType) -> Column {
    let column = df
        .column(c)
        .unwrap_or_else(|_| panic!("a result frame has no column `{c}`; it has {:?}", df.get_column_names()));
    column.cast(&to).unwrap_or_else(|e| panic!("column `{c}` cannot be read as {to}: {e}"))
}

/// A column as strings (cast when needed), for reading row by row with
/// `get`; a missing column is an error.
pub fn strings(df: &DataFrame, c: &str) -> PolarsResult<StringChunked> {
    Ok(df.column(c)?.cast(&DataType::String)?.str()?.clone())
}

/// A column as 64-bit integers (cast when needed); a missing column is an
/// error.
pub fn ints(df: &DataFrame, c: &str) -> PolarsResult<Int64Chunked> {
    Ok(df.column(c)?.cast(&DataType::Int64)?.i64()?.clone())
}

pub fn texts(df: &DataFrame, c: &str) -> Vec<Option<String>> {
    let s = cast(df, c, DataType::String);
    let ca = s.str().expect("cast to string");
    (0..ca.len()).map(|i| ca.get(i).map(str::to_string)).collect()
}

pub fn numbers(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    let s = cast(df, c, DataType::Float64);
    let ca = s.f64().expect("cast to f64");
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

pub fn flags(df: &DataFrame, c: &str) -> Vec<Option<bool>> {
    let s = cast(df, c, DataType::Boolean);
    let ca = s.bool().expect("cast to bool");
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

/// A Decimal(18, 2) money column in integer cents, read from its exact
/// decimal text: never through `f64`, which rounds beyond 15 digits
/// (9999999999999999.99 would read as 10000000000000000).
pub fn cents(df: &DataFrame, c: &str) -> Vec<Option<i128>> {
    texts(df, c).into_iter().map(|v| v.and_then(|t| crate::parse::money(&t).ok()).map(i128::from)).collect()
}

/// Cents as yuan with two decimals, exactly.
pub fn money_text(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_cast_with_nulls_and_a_missing_one_is_a_bug() {
        let df = df!["a" => [Some(1i64), None], "b" => ["x", "y"]].unwrap();
        assert_eq!(numbers(&df, "a"), [Some(1.0), None]);
        assert_eq!(texts(&df, "a"), [Some("1".to_string()), None]);
        let missing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| texts(&df, "renamed")));
        let message = *missing.expect_err("a missing column panics").downcast::<String>().unwrap();
        assert!(message.contains("no column `renamed`"), "{message}");
    }
}
