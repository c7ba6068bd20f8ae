//! Service KPIs for M. Grain: `kpis`, one row per KPI; `station_kpis`, one
//! row per station × the five KPIs a station answers for. Each KPI is a
//! population of events (a repair, an order, a station) with a `hit` flag;
//! numerator = hits, denominator = events.

use polars::prelude::*;

use super::{date_in_month, in_month, ratio, Inputs, Month};
use crate::config::{Config, Direction};

/// The KPIs a station answers for, in report order.
pub const STATION_KPIS: &[&str] =
    &["response_24h", "return_visit_coverage", "satisfaction", "repeat_repair", "form_on_time"];

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

fn micros(e: Expr) -> Expr {
    e.cast(DataType::Int64)
}

/// A month as one number, `year × 12 + month`: what an event's `month`
/// column holds, so that the events of several months are told apart
/// without formatting a label per row.
pub fn month_number(month: &Month) -> i32 {
    month.start.year() * 12 + month.start.month() as i32
}

fn month_number_of(e: Expr) -> Expr {
    e.clone().dt().year().cast(DataType::Int32) * lit(12) + e.dt().month().cast(DataType::Int32)
}

/// Every KPI event of M: columns kpi, station_id (null for headquarters'
/// KPIs), hit, numerator (1 when hit, else 0), denominator (1 per event),
/// month ([`month_number`]).
pub fn events(inputs: &Inputs, repairs: LazyFrame, month: &Month, config: &Config) -> PolarsResult<LazyFrame> {
    Ok(concat(
        [record_events(inputs, repairs, std::slice::from_ref(month), config)?, form_events(inputs, month, config)],
        UnionArgs::default(),
    )?)
}

/// One KPI event per row: `month` from the date the KPI counts by.
fn event(lf: LazyFrame, kpi: &str, station: Expr, hit: Expr, month: Expr) -> LazyFrame {
    lf.select([
        lit(kpi.to_string()).alias("kpi"),
        station.cast(DataType::String).alias("station_id"),
        hit.fill_null(false).cast(DataType::Int64).alias("numerator"),
        lit(1i64).alias("denominator"),
        month.alias("month"),
    ])
}

/// The events of every KPI but form_on_time in `months` (consecutive,
/// oldest first), from one reading of the repairs, visits and parts: each
/// event depends on its own record alone, so the months' events are those
/// of each month on its own, tagged with `month`. The history's months
/// share one pass instead of joining the visits and repairs once each.
pub fn record_events(
    inputs: &Inputs,
    repairs: LazyFrame,
    months: &[Month],
    config: &Config,
) -> PolarsResult<LazyFrame> {
    let w = &config.windows;
    let (first, last) = (months.first().expect("at least one month"), months.last().expect("at least one month"));
    let span =
        Month { label: String::new(), start: first.start, end: last.end, next: String::new(), provisional: false };
    let in_month = |e: Expr| in_month(e, &span);
    let date_in_month = |e: Expr| date_in_month(e, &span);
    let event = |lf: LazyFrame, kpi: &str, station: Expr, hit: Expr, by: &str| {
        event(lf, kpi, station, hit, month_number_of(col(by)))
    };

    // response_24h: repairs reported in M answered within the window.
    let response = event(
        repairs.clone().filter(in_month(col("reported_at"))),
        "response_24h",
        col("station_id"),
        (micros(col("responded_at")) - micros(col("reported_at")))
            .lt_eq(lit(w.response_hours as i64 * MICROS_PER_HOUR)),
        "reported_at",
    );

    // return_visit_coverage: repairs completed in M and in warranty with a
    // reached visit within the window after completion.
    let completed = repairs.clone().filter(in_month(col("completed_at")));
    let window = lit(w.visit_days as i64 * MICROS_PER_DAY);
    let covered = completed
        .clone()
        .filter(col("in_warranty"))
        .select([col("repair_id"), col("completed_at")])
        .inner_join(
            inputs.visits.clone().select([col("repair_id"), col("visited_at"), col("reached")]),
            col("repair_id"),
            col("repair_id"),
        )
        .filter(
            col("reached")
                .fill_null(false)
                .and(col("visited_at").gt_eq(col("completed_at")))
                .and(micros(col("visited_at")).lt_eq(micros(col("completed_at")) + window)),
        )
        .select([col("repair_id")])
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(lit(true).alias("covered_hit"));
    let coverage = event(
        completed.clone().filter(col("in_warranty")).left_join(covered, col("repair_id"), col("repair_id")),
        "return_visit_coverage",
        col("station_id"),
        col("covered_hit"),
        "completed_at",
    );

    // satisfaction: the first scored visit of repairs completed in M.
    // Only the visits of repairs completed in M matter: join first, sort
    // them by repair, then time and id (nulls first), and keep each
    // repair's first row. A repair's visits are unique by visit_id, so the
    // row is the one a per-repair sort picks; one sort of the joined rows
    // is ten times faster than sorting inside each group.
    let first_scored = completed
        .clone()
        .select([col("repair_id")])
        .inner_join(inputs.visits.clone().filter(col("satisfaction").is_not_null()), col("repair_id"), col("repair_id"))
        .sort(["repair_id", "visited_at", "visit_id"], SortMultipleOptions::default())
        .filter(col("repair_id").neq_missing(col("repair_id").shift(lit(1))))
        .select([
            col("repair_id"),
            col("satisfaction").alias("first_satisfaction"),
            col("complaint").alias("first_complaint"),
        ]);
    let satisfaction = event(
        completed.clone().inner_join(first_scored, col("repair_id"), col("repair_id")),
        "satisfaction",
        col("station_id"),
        col("first_satisfaction").gt_eq(lit(4i64)).and(col("first_complaint").fill_null(true).not()),
        "completed_at",
    );

    // parts_on_time: orders promised in M shipped by the promise.
    let parts = inputs.parts.clone();
    let on_time = event(
        parts.clone().filter(date_in_month(col("promised_at"))),
        "parts_on_time",
        lit(NULL),
        col("shipped_at").lt_eq(col("promised_at")),
        "promised_at",
    );
    // parts_accuracy: orders shipped in M with the right part and quantity.
    let accuracy = event(
        parts.filter(date_in_month(col("shipped_at"))),
        "parts_accuracy",
        lit(NULL),
        col("shipped_part_no").eq(col("part_no")).and(col("shipped_quantity").eq(col("quantity"))),
        "shipped_at",
    );

    // repeat_repair: repairs completed in M followed by another repair of
    // the same serial and component within the window.
    let later = repairs.clone().select([
        col("repair_id").alias("later_id"),
        col("serial"),
        col("component"),
        col("reported_at").alias("later_reported_at"),
    ]);
    let repeat_window = lit(w.repeat_days as i64 * MICROS_PER_DAY);
    let repeated = completed
        .clone()
        .select([col("repair_id"), col("serial"), col("component"), col("completed_at")])
        .join(
            later,
            [col("serial"), col("component")],
            [col("serial"), col("component")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("later_id")
                .neq(col("repair_id"))
                .and(col("later_reported_at").gt(col("completed_at")))
                .and(micros(col("later_reported_at")).lt_eq(micros(col("completed_at")) + repeat_window)),
        )
        .select([col("repair_id")])
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(lit(true).alias("repeat_hit"));
    let repeat = event(
        completed.left_join(repeated, col("repair_id"), col("repair_id")),
        "repeat_repair",
        col("station_id"),
        col("repeat_hit"),
        "completed_at",
    );
    concat([response, coverage, satisfaction, on_time, accuracy, repeat], UnionArgs::default())
}

/// form_on_time of `month`: stations active as of drop M+1 that sent a
/// form for M, in drops up to M+1, submitted by the due day of M+1.
/// `inputs`' stations and forms as of drop M+1 (`Inputs::for_months`).
pub fn form_events(inputs: &Inputs, month: &Month, config: &Config) -> LazyFrame {
    let due = month.end.with_day(config.windows.form_due_day).unwrap_or(month.end);
    let on_time_forms = inputs
        .forms_next
        .clone()
        .filter(col("report_month").eq(lit(month.label.clone())).and(col("submitted_at").lt_eq(lit(due))))
        .select([col("station_id")])
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(lit(true).alias("form_hit"));
    event(
        active_next(inputs).left_join(on_time_forms, col("station_id"), col("station_id")),
        "form_on_time",
        col("station_id"),
        col("form_hit"),
        lit(month_number(month)),
    )
}

use chrono::Datelike;

/// Station ids active as of drop M+1.
pub fn active_next(inputs: &Inputs) -> LazyFrame {
    inputs.stations_next.clone().filter(col("active").fill_null(true)).select([col("station_id")])
}

/// value, target, direction and met from numerator and denominator (null
/// counts are 0: a grid row with no event); rows sorted by `by` then KPI
/// order, columns in the contract's order with `by` after `month`.
fn finish(lf: LazyFrame, month: &Month, config: &Config, kpis: &[&str], by: &[&str]) -> PolarsResult<LazyFrame> {
    let names: Vec<String> = kpis.iter().map(|s| s.to_string()).collect();
    let targets: Vec<f64> = kpis.iter().map(|k| config.targets[*k].target).collect();
    let dirs: Vec<&str> = kpis
        .iter()
        .map(|k| match config.targets[*k].direction {
            Direction::AtLeast => "at_least",
            Direction::AtMost => "at_most",
        })
        .collect();
    let order: Vec<i64> = (0..kpis.len() as i64).collect();
    let meta = df!["kpi" => names, "target" => targets, "direction" => dirs, "kpi_order" => order]?.lazy();
    let sort: Vec<&str> = by.iter().copied().chain(["kpi_order"]).collect();
    let columns: Vec<Expr> = std::iter::once("month")
        .chain(by.iter().copied())
        .chain(["kpi", "numerator", "denominator", "value", "target", "direction", "met", "provisional"])
        .map(col)
        .collect();
    Ok(lf
        .inner_join(meta, col("kpi"), col("kpi"))
        .with_columns([
            col("numerator").fill_null(0i64).cast(DataType::Int64),
            col("denominator").fill_null(0i64).cast(DataType::Int64),
        ])
        .with_column(ratio(col("numerator"), col("denominator")).alias("value"))
        .with_column(
            when(col("value").is_null())
                .then(lit(NULL).cast(DataType::Boolean))
                .when(col("direction").eq(lit("at_least")))
                .then(col("value").gt_eq(col("target")))
                .otherwise(col("value").lt_eq(col("target")))
                .alias("met"),
        )
        .with_columns([lit(month.label.clone()).alias("month"), lit(month.provisional).alias("provisional")])
        .sort(sort, SortMultipleOptions::default())
        .select(columns))
}

/// `events`: from [`events`].
pub fn kpis(events: LazyFrame, month: &Month, config: &Config) -> PolarsResult<LazyFrame> {
    let counts = events.group_by([col("kpi")]).agg([col("numerator").sum(), col("denominator").sum()]);
    let all = crate::KPIS.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let grid = df!["kpi" => all]?.lazy();
    finish(grid.left_join(counts, col("kpi"), col("kpi")), month, config, crate::KPIS, &[])
}

/// `events`: from [`events`].
pub fn station_kpis(inputs: &Inputs, events: LazyFrame, month: &Month, config: &Config) -> PolarsResult<LazyFrame> {
    let names: Vec<String> = STATION_KPIS.iter().map(|s| s.to_string()).collect();
    let station_kpi = df!["kpi" => names.clone()]?.lazy();
    let events = events
        .filter(col("kpi").is_in(lit(Series::new("k".into(), names)).implode(true), false))
        .filter(col("station_id").is_not_null());
    let counts = events
        .clone()
        .group_by([col("station_id"), col("kpi")])
        .agg([col("numerator").sum(), col("denominator").sum()]);
    let stations = concat(
        [inputs.stations.clone().select([col("station_id")]), events.select([col("station_id")])],
        UnionArgs::default(),
    )?
    .unique(None, UniqueKeepStrategy::Any);
    let keys = [col("station_id"), col("kpi")];
    let full = stations.cross_join(station_kpi, None).join(counts, keys.clone(), keys, JoinArgs::new(JoinType::Left));
    finish(full, month, config, STATION_KPIS, &["station_id"])
}
