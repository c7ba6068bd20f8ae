//! Component failure rates. Grain:
//! - `failure_rates`: one row per product line (and `all`) × component, for M;
//! - `batch_failure_rates`: one row per (product line, production batch)
//!   with a unit sold before the end of M × component, cumulative to the
//!   end of M.

use polars::prelude::*;

use super::{codes_frame, in_month, policy, ratio, Month};
use crate::config::Config;

/// `failures` (distinct units) and `repairs` per group of failure repairs.
fn failure_counts(failures: LazyFrame, by: &[&str]) -> LazyFrame {
    let keys: Vec<Expr> = by.iter().map(|c| col(*c)).collect();
    failures.group_by(keys).agg([
        col("serial").n_unique().cast(DataType::Int64).alias("failures"),
        len().cast(DataType::Int64).alias("repairs"),
    ])
}

/// Components with their `main` flag and catalog order.
fn components(config: &Config) -> PolarsResult<LazyFrame> {
    let codes: Vec<String> = config.components.iter().map(|c| c.code.clone()).collect();
    Ok(codes_frame("component", &codes)?.with_column(policy::is_main(col("component"), config).alias("main")))
}

/// `unit_dates`: from [`policy::unit_dates`] (units by dates, with `n`).
pub fn failure_rates(
    unit_dates: LazyFrame,
    repairs: LazyFrame,
    month: &Month,
    config: &Config,
) -> PolarsResult<LazyFrame> {
    let (start, end) = (lit(super::day_number(month.start)), lit(super::day_number(month.end)));
    let [em, eu] = policy::exposure_days(Some(start), end).map(|e| e * col("n"));
    let exposure = unit_dates
        .select([col("product_line"), em.alias("exposure_main"), eu.alias("exposure_unit")])
        .group_by([col("product_line")])
        .agg([col("exposure_main").sum(), col("exposure_unit").sum()]);
    let counts = failure_counts(
        repairs.filter(col("failure").and(in_month(col("reported_at"), month))),
        &["product_line", "component"],
    );

    let lines: Vec<String> = config.product_lines.iter().map(|p| p.code.clone()).collect();
    let per_line = codes_frame("product_line", &lines)?
        .cross_join(components(config)?, None)
        .left_join(exposure, col("product_line"), col("product_line"))
        .join(
            counts,
            [col("product_line"), col("component")],
            [col("product_line"), col("component")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("failures").fill_null(0i64),
            col("repairs").fill_null(0i64),
            when(col("main"))
                .then(col("exposure_main"))
                .otherwise(col("exposure_unit"))
                .fill_null(0i64)
                .alias("exposure_days"),
        ]);
    let all = per_line
        .clone()
        .group_by([col("component"), col("component_order")])
        .agg([col("failures").sum(), col("repairs").sum(), col("exposure_days").sum()])
        .with_columns([
            lit("all").alias("product_line"),
            lit(lines.len() as i64).cast(DataType::Int64).alias("product_line_order"),
        ]);
    let cols = [
        col("product_line"),
        col("product_line_order"),
        col("component"),
        col("component_order"),
        col("failures"),
        col("repairs"),
        col("exposure_days"),
    ];
    let both = concat([per_line.select(cols.clone()), all.select(cols)], UnionArgs::default())?;
    Ok(both.sort(["product_line_order", "component_order"], SortMultipleOptions::default()).select([
        lit(month.label.clone()).alias("month"),
        col("product_line"),
        col("component"),
        col("failures"),
        col("repairs"),
        (col("exposure_days").cast(DataType::Float64) / lit(month.days() as f64)).alias("exposure_unit_months"),
        (lit(1000.0) * ratio(col("failures"), col("exposure_days")) * lit(month.days() as f64)).alias("rate_per_1000"),
        lit(month.provisional).alias("provisional"),
    ]))
}

/// `batch_units`: from [`super::batch_units::batch_units`] for `month`;
/// `unit_failures`: [`policy::unit_failures`] for `month`.
pub fn batch_failure_rates(
    batch_units: LazyFrame,
    unit_failures: LazyFrame,
    month: &Month,
    config: &Config,
) -> PolarsResult<LazyFrame> {
    let batches = batch_units
        .group_by([col("product_line"), col("production_batch")])
        .agg([col("units").sum(), col("exposure_main").sum(), col("exposure_unit").sum()])
        .filter(col("units").gt(lit(0i64)));
    // A row per failing unit and component: its failures are the rows, its
    // repairs their sum (as `failure_counts` counts the repairs).
    let counts = unit_failures
        .group_by([col("product_line"), col("production_batch"), col("component")])
        .agg([len().cast(DataType::Int64).alias("failures"), col("repairs").sum().alias("repairs")]);
    let order: Vec<String> = config.product_lines.iter().map(|p| p.code.clone()).collect();
    let keys = [col("product_line"), col("production_batch"), col("component")];
    Ok(batches
        .cross_join(components(config)?, None)
        .join(counts, keys.clone(), keys, JoinArgs::new(JoinType::Left))
        .left_join(codes_frame("product_line", &order)?, col("product_line"), col("product_line"))
        .with_columns([
            col("failures").fill_null(0i64),
            col("repairs").fill_null(0i64),
            when(col("main")).then(col("exposure_main")).otherwise(col("exposure_unit")).alias("exposure_days"),
        ])
        .sort(
            ["product_line_order", "product_line", "production_batch", "component_order"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .select([
            lit(month.label.clone()).alias("month"),
            col("product_line"),
            col("production_batch"),
            col("component"),
            col("units"),
            col("failures"),
            col("repairs"),
            col("exposure_days").cast(DataType::Float64).alias("exposure_unit_days"),
            (lit(1000.0 * 365.25) * ratio(col("failures"), col("exposure_days"))).alias("rate_per_1000_unit_years"),
            lit(month.provisional).alias("provisional"),
        ]))
}
