//! The few facts the report needs beyond the metric tables and alerts,
//! as pure LazyFrame transforms over the metrics' inputs (the command
//! collects them): the month's failures by component and fault code,
//! complaints per station, and the lake's rejects.

use polars::prelude::*;

use crate::config::Config;
use crate::metrics::{in_month, policy, Inputs};
use crate::month::Month;

/// Product failures (in warranty, cause `quality`) reported in M, counted
/// by component and fault code: component, fault_code, failures.
pub fn failures_by_code(inputs: &Inputs, month: &Month, config: &Config) -> LazyFrame {
    policy::repairs_with_policy(inputs.repairs.clone(), inputs.units.clone(), config)
        .filter(col("failure").fill_null(false).and(in_month(col("reported_at"), month)))
        .group_by([col("component"), col("fault_code")])
        .agg([len().cast(DataType::Int64).alias("failures")])
        .sort(["component", "fault_code"], SortMultipleOptions::default().with_nulls_last(true))
}

/// Visits made in M that recorded a complaint, per station of the repair:
/// station_id, complaints.
pub fn complaints(inputs: &Inputs, month: &Month) -> LazyFrame {
    inputs
        .visits
        .clone()
        .filter(in_month(col("visited_at"), month).and(col("complaint").fill_null(false)))
        .select([col("repair_id")])
        .inner_join(
            inputs.repairs.clone().select([col("repair_id"), col("station_id")]),
            col("repair_id"),
            col("repair_id"),
        )
        .group_by([col("station_id")])
        .agg([len().cast(DataType::Int64).alias("complaints")])
        .sort(["station_id"], SortMultipleOptions::default())
}

/// Every reject of every load, in load order: load_month, table,
/// source_file, line, column, value, rule, reason.
pub fn rejects(inputs: &Inputs) -> LazyFrame {
    inputs
        .rejects
        .clone()
        .select([
            col("load_month"),
            col("table"),
            col("source_file"),
            col("line"),
            col("column"),
            col("value"),
            col("rule"),
            col("reason"),
        ])
        .sort(["load_month", "source_file", "line"], SortMultipleOptions::default().with_nulls_last(true))
}
