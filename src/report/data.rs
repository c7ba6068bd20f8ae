//! The few facts the report needs beyond the metric tables and alerts,
//! as pure LazyFrame transforms over the metrics' inputs (the command
//! collects them): the month's failures by component and fault code,
//! complaints per station, the lake's rejects, and the stations by
//! rejects in the loads of M and M+1.

use polars::prelude::*;

use crate::metrics::{in_month, Inputs};
use crate::month::Month;

/// Product failures (in warranty, cause `quality`) reported in M, counted
/// by component and fault code: component, fault_code, failures.
pub fn failures_by_code(inputs: &Inputs, month: &Month) -> LazyFrame {
    inputs
        .policy_repairs
        .clone()
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

/// Per load of M and M+1 and station with a reject: load_month,
/// station_id (null when it cannot be told), rows_sent, rows_rejected,
/// fields_nulled, rejected_share; most rows rejected first. A visit's
/// station is its repair's (loaded, or rejected: a rejected repair still
/// names its station).
pub fn station_rejects(inputs: &Inputs, month: &Month) -> PolarsResult<LazyFrame> {
    let loads = lit(Series::new("loads".into(), [month.label.clone(), month.next.clone()])).implode(true);
    let rejects = inputs.rejects.clone().filter(col("load_month").is_in(loads, false));
    let rejected_repairs = rejects
        .clone()
        .filter(col("table").eq(lit("repairs")).and(col("station_id").is_not_null()))
        .select([col("key").alias("repair_id"), col("station_id").alias("rejected_station")])
        .unique(Some(by_name(["repair_id"], true, false)), UniqueKeepStrategy::Last);
    let current = inputs.repairs.clone().select([col("repair_id"), col("station_id").alias("repair_station")]);
    let loaded_rows = inputs.loaded_rows.clone();
    let rejected_rows = rejects.select([col("load_month"), col("station_id"), col("repair_id"), col("action")]);
    // Only a row without a station (a visit's) looks up its repair, and
    // each such repair is looked up once: at 10M units, joining every
    // loaded and rejected row to the 850k current repairs took half a
    // second. Both right sides have one row per repair_id, so no row is
    // repeated.
    let stationless = |lf: LazyFrame| lf.filter(col("station_id").is_null()).select([col("repair_id")]);
    let mut small_left = JoinArgs::new(JoinType::Left);
    small_left.build_side = Some(JoinBuildSide::ForceLeft);
    let owners = crate::metrics::collect(
        concat([stationless(loaded_rows.clone()), stationless(rejected_rows.clone())], UnionArgs::default())?
            .unique(None, UniqueKeepStrategy::Any)
            .join(current, [col("repair_id")], [col("repair_id")], small_left.clone())
            .join(rejected_repairs, [col("repair_id")], [col("repair_id")], small_left)
            .select([col("repair_id"), coalesce(&[col("repair_station"), col("rejected_station")]).alias("owner")]),
    )?
    .lazy();
    let owner = |lf: LazyFrame| {
        let named = lf.clone().filter(col("station_id").is_not_null());
        let looked_up = lf
            .filter(col("station_id").is_null())
            .join(owners.clone(), [col("repair_id")], [col("repair_id")], JoinArgs::new(JoinType::Left))
            .with_column(col("owner").alias("station_id"))
            .drop(by_name(["owner"], true, false));
        concat([named, looked_up], UnionArgs::default())
    };
    let by = || [col("load_month"), col("station_id")];
    let loaded = owner(loaded_rows)?.group_by(by()).agg([len().cast(DataType::Int64).alias("rows_loaded")]);
    let problems = owner(rejected_rows)?.group_by(by()).agg([
        col("action").eq(lit("row_rejected")).sum().cast(DataType::Int64).alias("rows_rejected"),
        col("action").eq(lit("field_nulled")).sum().cast(DataType::Int64).alias("fields_nulled"),
    ]);
    Ok(problems
        .join(loaded, by(), by(), JoinArgs { nulls_equal: true, ..JoinArgs::new(JoinType::Left) })
        .with_column((col("rows_loaded").fill_null(0i64) + col("rows_rejected")).alias("rows_sent"))
        .with_column(
            (col("rows_rejected").cast(DataType::Float64) / col("rows_sent").cast(DataType::Float64))
                .alias("rejected_share"),
        )
        .select([
            col("load_month"),
            col("station_id"),
            col("rows_sent"),
            col("rows_rejected"),
            col("fields_nulled"),
            col("rejected_share"),
        ])
        .sort(
            ["rows_rejected", "fields_nulled", "load_month", "station_id"],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, true, false, false])
                .with_nulls_last(true),
        ))
}
