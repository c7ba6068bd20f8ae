//! Reading small result frames (metric tables, the report's inputs)
//! column by column, cast as needed, with nulls kept. These frames are
//! qfb's own, so a missing column is a bug: it panics, naming the column,
//! rather than reading as all nulls and silently blanking a report column.

use polars::prelude::*;

fn cast(df: &DataFrame, c: &str, to: DataType) -> Column {
    let column = df
        .column(c)
        .unwrap_or_else(|_| panic!("a result frame has no column `{c}`; it has {:?}", df.get_column_names()));
    column.cast(&to).unwrap_or_else(|e| panic!("column `{c}` cannot be read as {to}: {e}"))
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
