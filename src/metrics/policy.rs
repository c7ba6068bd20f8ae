//! The warranty policy engine of contract section 4, as polars expressions
//! over the current units and repairs. Grain: adds columns, never rows.
//!
//! - `in_service = coalesce(install_date, sale_date)`;
//! - `warranty_end(u, c) = sale_date + months(product_line, c)`, calendar
//!   months clamped to the month's end, at 00:00; main parts carry
//!   `main_months`, every other component `unit_months`;
//! - a repair is *in warranty* when `sale_date <= reported_at <
//!   warranty_end`, *covered* when also its cause is not excluded, and a
//!   *failure* when in warranty with a failure cause (`quality`). A repair
//!   on an unknown serial is none of these;
//! - months in service: the largest k >= 0 with `in_service + k months <=
//!   reported_at`.

use polars::prelude::*;

use super::{days, max2, min2};
use crate::config::Config;

/// Microsecond datetime, the lake's timestamp type.
pub fn datetime_type() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, None)
}

/// A date as a datetime at 00:00.
pub fn at_midnight(e: Expr) -> Expr {
    e.cast(datetime_type())
}

/// `date + n calendar months`, clamped to the month's end.
fn plus_months(date: Expr, months: u32) -> Expr {
    date.dt().offset_by(lit(format!("{months}mo")))
}

/// Units with `in_service`, `warranty_end_main` and `warranty_end_unit`
/// (dates). A product line missing from the configuration has no warranty
/// (null ends), so none of its repairs is in warranty.
pub fn units_with_warranty(units: LazyFrame, config: &Config) -> LazyFrame {
    // Each distinct number of months is added once (a calendar offset of
    // every unit's sale date is the costly part at 10M units), then each
    // line picks its own.
    let mut months: Vec<u32> = config.product_lines.iter().flat_map(|p| [p.main_months, p.unit_months]).collect();
    months.sort_unstable();
    months.dedup();
    let name = |m: u32| format!("_sale_plus_{m}mo");
    let end = |main: bool| {
        let mut chain: Option<ChainedThen> = None;
        let mut first: Option<Then> = None;
        for pl in &config.product_lines {
            let m = if main { pl.main_months } else { pl.unit_months };
            let cond = col("product_line").eq(lit(pl.code.clone()));
            let value = col(name(m));
            match (first.take(), chain.take()) {
                (None, None) => first = Some(when(cond).then(value)),
                (Some(t), None) => chain = Some(t.when(cond).then(value)),
                (_, Some(c)) => chain = Some(c.when(cond).then(value)),
            }
        }
        let null_date = lit(NULL).cast(DataType::Date);
        match (first, chain) {
            (_, Some(c)) => c.otherwise(null_date),
            (Some(t), None) => t.otherwise(null_date),
            (None, None) => null_date,
        }
    };
    // The ends depend on the sale date alone (then the line picks one), and
    // there are a few thousand sale dates: each date's offsets are worked
    // out once and joined, not once per unit. This is what every stage
    // pays when it scans the units.
    let dates = units
        .clone()
        .select([col("sale_date")])
        .unique(None, UniqueKeepStrategy::Any)
        .with_columns(months.iter().map(|&m| plus_months(col("sale_date"), m).alias(name(m))).collect::<Vec<_>>());
    // No reader depends on the units' order (every one aggregates them).
    let mut args = JoinArgs::new(JoinType::Left);
    args.build_side = Some(JoinBuildSide::ForceRight);
    units
        .join(dates, [col("sale_date")], [col("sale_date")], args)
        .with_columns([
            col("install_date").fill_null(col("sale_date")).alias("in_service"),
            end(true).alias("warranty_end_main"),
            end(false).alias("warranty_end_unit"),
        ])
        .drop(by_name(months.iter().map(|&m| name(m)), true, false))
}

/// The units counted by (product_line, sale_date, install_date,
/// load_month), as `n`: what [`unit_dates`] and the forecast's history
/// read. One pass over the units, collected before the policy runs on it
/// (the policy reads its input twice, and without common-subplan
/// elimination a lazy input would be computed twice).
pub fn date_groups(units: LazyFrame) -> LazyFrame {
    units
        .group_by([col("product_line"), col("sale_date"), col("install_date"), col("load_month")])
        .agg([len().cast(DataType::Int64).alias("n")])
}

/// The current units grouped by what their warranty and life windows
/// depend on: (product_line, sale_date, in_service) with the warranty ends
/// and `n`, the units in the group. A few hundred thousand rows at 100M
/// units, collected once per run; every stage that needs no batch (the
/// failure rates, the trends, the life data by line) reads this, not the
/// units. `groups`: [`date_groups`], collected; the policy runs on them.
pub fn unit_dates(groups: LazyFrame, config: &Config) -> LazyFrame {
    let groups = groups
        .group_by([
            col("product_line"),
            col("sale_date"),
            col("install_date").fill_null(col("sale_date")).alias("in_service"),
        ])
        .agg([col("n").sum()])
        .with_column(col("in_service").alias("install_date"));
    units_with_warranty(groups, config)
        .select([
            col("product_line"),
            col("sale_date"),
            col("in_service"),
            col("warranty_end_main"),
            col("warranty_end_unit"),
            col("n"),
        ])
        .sort(["product_line", "sale_date", "in_service"], SortMultipleOptions::default().with_nulls_last(true))
}

/// True for components that are main parts.
pub fn is_main(component: Expr, config: &Config) -> Expr {
    let mains: Vec<String> = config.components.iter().filter(|c| c.main).map(|c| c.code.clone()).collect();
    component.is_in(lit(Series::new("mains".into(), mains)).implode(true), false)
}

fn cause_in(cause: Expr, codes: Vec<String>) -> Expr {
    cause.is_in(lit(Series::new("causes".into(), codes)).implode(true), false)
}

/// The units that `repairs` name: all that the policy needs of the units
/// (a tenth of them). A semi join probes the units once instead of
/// building a table of every serial (10M at scale). Collect it before
/// [`repairs_with_policy`], which reads its units twice.
pub fn units_with_repairs(units: LazyFrame, repairs: LazyFrame) -> PolarsResult<LazyFrame> {
    let serials = super::collect(repairs.select([col("serial")]).unique(None, UniqueKeepStrategy::Any))?;
    // Most units are never repaired: a sieve of the serials drops nearly
    // all of them before the exact join probes its hash table.
    let sieve = crate::keys::Sieve::new(&serials.column("serial")?.str()?.iter().flatten().collect::<Vec<_>>());
    let maybe = col("serial").map(
        move |c| {
            let keep: BooleanChunked = c.str()?.iter().map(|s| s.is_some_and(|s| sieve.maybe(s))).collect();
            Ok(keep.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
    );
    Ok(units.filter(maybe).join(serials.lazy(), [col("serial")], [col("serial")], JoinArgs::new(JoinType::Semi)))
}

/// Repairs joined to their unit (left join on serial), with `known_unit`,
/// `warranty_end` (datetime), `in_warranty`, `covered` and `failure`.
/// `units`: serial, product_line, production_batch, sale_date and
/// install_date, at least those of the repairs' serials; the warranty
/// columns are worked out here for every unit given, so at scale pass
/// [`units_with_repairs`], collected.
pub fn repairs_with_policy(repairs: LazyFrame, units: LazyFrame, config: &Config) -> LazyFrame {
    repairs_with_policy_carrying(repairs, units, config, &[])
}

/// [`repairs_with_policy`], carrying the units' columns `carry` as well
/// (the forecast carries each unit version's validity).
pub fn repairs_with_policy_carrying(
    repairs: LazyFrame,
    units: LazyFrame,
    config: &Config,
    carry: &[&str],
) -> LazyFrame {
    let units = units_with_warranty(units, config);
    let mut unit_cols = vec![
        col("serial"),
        col("product_line"),
        col("production_batch"),
        col("sale_date"),
        col("in_service"),
        col("warranty_end_main"),
        col("warranty_end_unit"),
        lit(true).alias("known_unit"),
    ];
    unit_cols.extend(carry.iter().map(|c| col(*c)));
    let unit_cols = units.select(unit_cols);
    let failure_causes: Vec<String> = config.causes.iter().filter(|c| c.failure).map(|c| c.code.clone()).collect();
    let excluded: Vec<String> = config.causes.iter().filter(|c| c.excluded).map(|c| c.code.clone()).collect();
    let we = when(is_main(col("component"), config)).then(col("warranty_end_main")).otherwise(col("warranty_end_unit"));
    let in_warranty = col("known_unit")
        .and(at_midnight(col("sale_date")).lt_eq(col("reported_at")))
        .and(col("reported_at").lt(col("warranty_end")))
        .fill_null(false);
    repairs
        .left_join(unit_cols, col("serial"), col("serial"))
        .with_column(col("known_unit").fill_null(false))
        .with_column(at_midnight(we).alias("warranty_end"))
        .with_column(in_warranty.alias("in_warranty"))
        .with_columns([
            col("in_warranty").and(cause_in(col("cause"), excluded).not()).alias("covered"),
            col("in_warranty").and(cause_in(col("cause"), failure_causes)).alias("failure"),
        ])
}

/// Months in service at `at` (a datetime expression): the largest k >= 0
/// with `in_service + k months <= at`. Computed from calendar fields: the
/// whole months between the dates, less one when the day of month (clamped
/// to the later month's length) has not been reached yet. In integers
/// only: adding a per-row "k mo" offset was a string per repair.
pub fn months_in_service(in_service: Expr, at: Expr) -> Expr {
    let int = |e: Expr| e.cast(DataType::Int32);
    let (y0, m0, d0) =
        (int(in_service.clone().dt().year()), int(in_service.clone().dt().month()), int(in_service.dt().day()));
    let (y1, m1, d1) = (int(at.clone().dt().year()), int(at.clone().dt().month()), int(at.clone().dt().day()));
    let days_in_month = int(at.dt().month_end().dt().day());
    let whole = (y1 - y0) * lit(12) + (m1 - m0);
    // in_service + whole months falls in at's month, on day min(d0, its
    // length), at 00:00: reached once at's day is that day or later.
    let k = when(d1.lt(min2(d0, days_in_month))).then(whole.clone() - lit(1)).otherwise(whole);
    when(k.clone().lt(lit(0))).then(lit(0)).otherwise(k).cast(DataType::Int64)
}

/// Per-unit exposure days for the main-part and whole-unit warranties,
/// `[max(in_service, from), min(end, warranty_end))`, never negative: the
/// span that failure rates, batch rates and the batch alerts all count.
/// `end` and `from` are day numbers.
pub fn exposure_days(from: Option<Expr>, end: Expr) -> [Expr; 2] {
    let start = match from {
        Some(f) => max2(days(col("in_service")), f),
        None => days(col("in_service")),
    };
    let span = |we: &str| {
        let d = min2(end.clone(), days(col(we))) - start.clone();
        max2(d, lit(0i64)).fill_null(0i64)
    };
    [span("warranty_end_main").alias("exposure_main"), span("warranty_end_unit").alias("exposure_unit")]
}

/// Each unit's failure repairs of each component reported before the end
/// of `month`: one row per (serial, component) with the first report
/// (`reported_at`), the failure repairs (`repairs`) and the unit's policy
/// columns. A failure has a known unit, so a serial is never null and
/// names one unit (one line, batch and warranty). What the batch failure
/// rates, the batch alerts and the life data count, grouped once: each
/// grouped the repairs again by four text keys.
pub fn unit_failures(repairs: LazyFrame, month: &super::Month) -> LazyFrame {
    let end = lit(month.end.and_hms_opt(0, 0, 0).expect("midnight"));
    let unit = ["product_line", "production_batch", "in_service", "warranty_end_main", "warranty_end_unit"];
    let mut agg = vec![col("reported_at").min(), len().cast(DataType::Int64).alias("repairs")];
    agg.extend(unit.iter().map(|c| col(*c).first()));
    repairs.filter(col("failure").and(col("reported_at").lt(end))).group_by([col("serial"), col("component")]).agg(agg)
}

/// Failing units by their first failure's months in service: per `keys`
/// (which name the component) and unit, the lowest `age`, then the units
/// per `keys` and age, as `n`. `failures`: repairs that are failures, with
/// `in_service`; the batch alerts key by batch, the trends by month.
pub fn first_failures(failures: LazyFrame, keys: &[&str]) -> LazyFrame {
    let by = |last: &str| keys.iter().chain([&last]).map(|k| col(*k)).collect::<Vec<_>>();
    failures
        .with_column(months_in_service(col("in_service"), col("reported_at")).alias("age"))
        .group_by(by("serial"))
        .agg([col("age").min()])
        .group_by(by("age"))
        .agg([len().cast(DataType::Int64).alias("n")])
}
