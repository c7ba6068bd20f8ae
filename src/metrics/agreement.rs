//! The dealer agreement's early-life rules (contract section 4, agreement
//! §7). Grain:
//! - `sanbao`: one row per unit and rule (`return_7d`, `exchange_15d`,
//!   `exchange_repeat_15d`) whose qualifying repair was reported in M;
//! - `early_failures`: one row per (product line, production batch) with a
//!   unit whose early-failure window closed before the end of M (and
//!   opened after the lake's first load month began), cumulative to the
//!   end of M.
//!
//! Day 0 is in_service(u) at 00:00, and "within N days" is "reported
//! before in_service + N days": exactly 7 days after is day 7, outside a
//! 7-day window. Only quality failures count (in warranty, cause
//! `quality`), so a repair on an unknown serial or before the sale is
//! never a case. The rules run in Rust over the few early failures that
//! polars selects: the repeat rule is a per-unit sequence, clearer as a
//! loop than as a plan.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::columns::{ints, strings};
use super::{day_number, days, policy, Month};
use crate::config::Config;

/// The rules, in the order their rows are written.
pub const RULES: [&str; 3] = ["return_7d", "exchange_15d", "exchange_repeat_15d"];

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A quality failure early in a unit's life.
#[derive(Debug, Clone, PartialEq)]
pub struct Early {
    pub serial: String,
    pub repair_id: String,
    pub station_id: Option<String>,
    /// Microseconds since 1970-01-01 (the lake's datetime).
    pub reported_at: i64,
    pub component: String,
    pub fault_code: Option<String>,
    /// Days since 1970-01-01.
    pub in_service: i64,
}

/// One 三包 case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub serial: String,
    pub rule: &'static str,
    pub component: String,
    /// Every repair the rule counted, in report order.
    pub repair_ids: Vec<String>,
    /// The repair that made the unit eligible: its station and time.
    pub station_id: Option<String>,
    pub reported_at: i64,
    pub in_service: i64,
    pub days_in_service: i64,
}

/// The cases among `early` (any order) whose qualifying repair was
/// reported in `[from, to)` (microseconds).
pub fn cases(early: &[Early], from: i64, to: i64, config: &Config) -> Vec<Case> {
    let g = &config.agreement;
    let mut by_unit: BTreeMap<&str, Vec<&Early>> = BTreeMap::new();
    for e in early {
        by_unit.entry(e.serial.as_str()).or_default().push(e);
    }
    let before = |e: &Early, n: u32| e.reported_at < (e.in_service + n as i64) * MICROS_PER_DAY;
    let listed = |e: &Early, list: &[String]| {
        list.contains(&e.component)
            && g.fault_codes.get(&e.component).is_none_or(|codes| {
                e.fault_code.as_ref().is_some_and(|f| codes.iter().any(|c| c.eq_ignore_ascii_case(f)))
            })
    };
    let mut out = Vec::new();
    for (serial, mut repairs) in by_unit {
        repairs.sort_by(|a, b| (a.reported_at, &a.repair_id).cmp(&(b.reported_at, &b.repair_id)));
        let case = |rule: &'static str, counted: Vec<&Early>, qualifying: &Early| Case {
            serial: serial.to_string(),
            rule,
            component: qualifying.component.clone(),
            repair_ids: counted.iter().map(|e| e.repair_id.clone()).collect(),
            station_id: qualifying.station_id.clone(),
            reported_at: qualifying.reported_at,
            in_service: qualifying.in_service,
            days_in_service: (qualifying.reported_at.div_euclid(MICROS_PER_DAY) - qualifying.in_service).max(0),
        };
        let mut found = Vec::new();
        for (rule, list, n) in
            [(RULES[0], &g.return_components, g.return_days), (RULES[1], &g.exchange_components, g.exchange_days)]
        {
            let counted: Vec<&Early> = repairs.iter().copied().filter(|e| listed(e, list) && before(e, n)).collect();
            if let Some(first) = counted.first().copied() {
                found.push(case(rule, counted, first));
            }
        }
        // Repaired twice and still not fixed: the component whose second
        // repair in the window came first.
        let mut by_component: BTreeMap<&str, Vec<&Early>> = BTreeMap::new();
        for e in repairs.iter().copied().filter(|e| before(e, g.exchange_days)) {
            by_component.entry(e.component.as_str()).or_default().push(e);
        }
        let repeat = by_component
            .into_values()
            .filter(|v| v.len() >= 2)
            .min_by(|a, b| (a[1].reported_at, &a[1].repair_id).cmp(&(b[1].reported_at, &b[1].repair_id)));
        if let Some(counted) = repeat {
            let second = counted[1];
            found.push(case(RULES[2], counted, second));
        }
        out.extend(found.into_iter().filter(|c| c.reported_at >= from && c.reported_at < to));
    }
    out
}

/// Quality failures reported before in_service + the longest window, from
/// `repairs_with_policy` output.
fn early_failures_of(repairs: LazyFrame, config: &Config) -> PolarsResult<Vec<Early>> {
    let g = &config.agreement;
    let window = g.return_days.max(g.exchange_days) as i64;
    let df = repairs
        .filter(col("failure").and(
            col("reported_at").lt(policy::at_midnight((days(col("in_service")) + lit(window)).cast(DataType::Date))),
        ))
        .select([
            col("serial"),
            col("repair_id"),
            col("station_id"),
            col("reported_at").cast(DataType::Int64),
            col("component"),
            col("fault_code"),
            days(col("in_service")).alias("in_service"),
        ])
        .collect()?;
    let (serial, repair, station) = (strings(&df, "serial")?, strings(&df, "repair_id")?, strings(&df, "station_id")?);
    let (component, fault) = (strings(&df, "component")?, strings(&df, "fault_code")?);
    let (at, in_service) = (ints(&df, "reported_at")?, ints(&df, "in_service")?);
    Ok((0..df.height())
        .filter_map(|i| {
            Some(Early {
                serial: serial.get(i)?.to_string(),
                repair_id: repair.get(i)?.to_string(),
                station_id: station.get(i).map(str::to_string),
                reported_at: at.get(i)?,
                component: component.get(i)?.to_string(),
                fault_code: fault.get(i).map(str::to_string),
                in_service: in_service.get(i)?,
            })
        })
        .collect())
}

/// `sanbao` for M. `repairs`: from `policy::repairs_with_policy`, carrying
/// the unit's `model` (a case's unit is known, so the repairs name it:
/// no pass over every unit for a few serials).
pub fn sanbao(repairs: LazyFrame, month: &Month, config: &Config) -> PolarsResult<LazyFrame> {
    let micros = |d: chrono::NaiveDate| day_number(d) * MICROS_PER_DAY;
    let found = cases(&early_failures_of(repairs.clone(), config)?, micros(month.start), micros(month.end), config);
    let rule_order = |r: &str| RULES.iter().position(|x| *x == r).unwrap_or(RULES.len()) as i64;
    let df = df![
        "serial" => found.iter().map(|c| c.serial.clone()).collect::<Vec<_>>(),
        "station_id" => found.iter().map(|c| c.station_id.clone()).collect::<Vec<_>>(),
        "in_service" => found.iter().map(|c| c.in_service as i32).collect::<Vec<_>>(),
        "component" => found.iter().map(|c| c.component.clone()).collect::<Vec<_>>(),
        "repair_ids" => found.iter().map(|c| c.repair_ids.join(",")).collect::<Vec<_>>(),
        "days_in_service" => found.iter().map(|c| c.days_in_service).collect::<Vec<_>>(),
        "rule" => found.iter().map(|c| c.rule).collect::<Vec<_>>(),
        "rule_order" => found.iter().map(|c| rule_order(c.rule)).collect::<Vec<_>>(),
    ]?;
    // The cases' units only: made unique over the few repairs of the
    // cases' serials, not over every repair (850k at 10M units).
    let serials = df.clone().lazy().select([col("serial")]);
    let units = repairs
        .filter(col("known_unit"))
        .select([col("serial"), col("product_line"), col("production_batch"), col("model")])
        .join(serials, [col("serial")], [col("serial")], JoinArgs::new(JoinType::Semi))
        .unique(None, UniqueKeepStrategy::Any);
    Ok(df
        .lazy()
        .with_column(col("in_service").cast(DataType::Date))
        .left_join(units, col("serial"), col("serial"))
        .sort(["serial", "rule_order"], SortMultipleOptions::default())
        .select([
            lit(month.label.clone()).alias("month"),
            col("serial"),
            col("product_line"),
            col("production_batch"),
            col("model"),
            col("station_id"),
            col("in_service"),
            col("component"),
            col("repair_ids"),
            col("days_in_service"),
            col("rule"),
            lit(month.provisional).alias("provisional"),
        ]))
}

/// `early_failures` to the end of M. `batch_units`: from
/// [`super::batch_units::batch_units`] for `month` and `observed_from`
/// (its `past` units); `repairs`: from `repairs_with_policy`;
/// `observed_from`: the first day of the lake's first load month, when
/// known. A unit in service before it had its first days unobserved (no
/// repair from then can be in the lake), so it is left out of both counts:
/// counted, it would dilute every old batch's rate and the line's baseline.
pub fn early_failures(
    batch_units: LazyFrame,
    repairs: LazyFrame,
    month: &Month,
    observed_from: Option<chrono::NaiveDate>,
    config: &Config,
) -> LazyFrame {
    let w = config.agreement.early_failure_days as i64;
    let end = day_number(month.end);
    let from = observed_from.map(day_number).unwrap_or(i64::MIN);
    // The window [in_service, in_service + w) is over (day w began before
    // the end of M) and was observed: the rule `batch_units` counts as
    // `past`, here for the failing units.
    let past = (days(col("in_service")) + lit(w)).lt(lit(end)).and(days(col("in_service")).gt_eq(lit(from)));
    let keys = || [col("product_line"), col("production_batch")];
    // The batches with a unit past its window.
    let exposed = batch_units
        .group_by(keys())
        .agg([col("units").sum(), col("past").sum().alias("units_past_15d")])
        .filter(col("units_past_15d").gt(lit(0i64)));
    let failing =
        repairs
            .filter(past)
            .filter(col("failure").and(
                col("reported_at").lt(policy::at_midnight((days(col("in_service")) + lit(w)).cast(DataType::Date))),
            ))
            .group_by(keys())
            .agg([col("serial").n_unique().cast(DataType::Int64).alias("early_failures")]);
    let on = || [col("product_line"), col("production_batch")];
    exposed
        .join(failing, on(), on(), JoinArgs::new(JoinType::Left))
        .with_column(col("early_failures").fill_null(0i64))
        .sort(["product_line", "production_batch"], SortMultipleOptions::default())
        .select([
            lit(month.label.clone()).alias("month"),
            col("product_line"),
            col("production_batch"),
            col("units_past_15d"),
            col("early_failures"),
            (lit(1000.0) * super::ratio(col("early_failures"), col("units_past_15d"))).alias("rate_per_1000"),
            lit(month.provisional).alias("provisional"),
            col("units").fill_null(0i64),
        ])
}
