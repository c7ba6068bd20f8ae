//! `component_trend`: is a component failing more than the fleet's age
//! explains? Grain: one alert per (product line, component) at most.
//!
//! For the last 24 months up to M, each month's failing units (first
//! failure of the component in that month) are charted against the count
//! expected from a baseline rate by month in service, pooled over the
//! window (so an ageing fleet does not trip the chart by itself): a u-chart
//! of observed over expected, with Laney's u′ limits when the months vary
//! beyond Poisson. Western Electric rules 1–4 on the upper side fire when
//! they complete at M; a provisional M is charted but never fires. Trend
//! alerts are warnings.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::stats::{laney_u_chart, poisson_sf, u_chart, western_electric, Limits};
use super::{Alert, Kind, Severity};
use crate::config::Config;
use crate::metrics::{day_number, policy};
use crate::month::{self, Month, DAYS_PER_MONTH};

/// Months charted, M included.
pub const WINDOW: usize = 24;

/// One product line and component over the charted window: failing units
/// per month, exposure in warranty (unit-months) and the count expected
/// from the age baseline. The report draws these; the alerts read the
/// chart's last point.
#[derive(Debug, Clone)]
pub struct TrendSeries {
    pub product_line: String,
    pub component: String,
    /// `YYYY-MM`, oldest first; the last is M.
    pub months: Vec<String>,
    pub observed: Vec<f64>,
    /// Unit-months in warranty, as `failure_rates` counts them.
    pub exposure: Vec<f64>,
    pub expected: Vec<f64>,
    pub chart: Option<ControlChart>,
}

/// A control chart on the months of a series with an expectation.
#[derive(Debug, Clone)]
pub struct ControlChart {
    /// `u_chart` or `laney_u`.
    pub statistic: &'static str,
    /// Indices into the series' months of the charted points.
    pub points: Vec<usize>,
    /// Observed over expected for the window as a whole.
    pub centre: f64,
    /// Per charted point, in failing units: the centre line and the upper limit.
    pub expected: Vec<f64>,
    pub upper: Vec<f64>,
    /// Per charted point, the rules that complete there (none for a
    /// provisional month).
    pub rules: Vec<Vec<&'static str>>,
}

/// The charted series of `month`'s window; `latest_load` marks provisional
/// months (they are charted, never fire, and stay out of the baseline).
pub fn trend_series(
    unit_dates: LazyFrame,
    repairs: LazyFrame,
    month: &Month,
    latest_load: &str,
    observed_from: chrono::NaiveDate,
    config: &Config,
) -> PolarsResult<Vec<TrendSeries>> {
    let last = month::index(month.start);
    let first = (last - WINDOW as i64 + 1).max(month::index(observed_from));
    let months = (last - first + 1).max(0) as usize;
    if months < 8 {
        return Ok(Vec::new());
    }
    let start = chrono::NaiveDate::from_ymd_opt((first / 12) as i32, (first % 12) as u32 + 1, 1).expect("a month");
    let latest = Month::new(latest_load, None).map(|m| month::index(m.start)).unwrap_or(i64::MAX);

    // Units grouped by in-service day and warranty ends (days since 1970).
    let hist = crate::metrics::collect(
        unit_dates
            .filter(col("sale_date").lt(lit(month.end)))
            .group_by([
                col("product_line"),
                crate::metrics::days(col("in_service")).alias("s"),
                crate::metrics::days(col("warranty_end_main")).alias("wm"),
                crate::metrics::days(col("warranty_end_unit")).alias("wu"),
            ])
            .agg([col("n").sum().cast(DataType::Int64)])
            .sort(["product_line", "s", "wm", "wu"], SortMultipleOptions::default()),
    )?;
    // Failing units per component, by month reported and month in service.
    let end_dt = month.end.and_hms_opt(0, 0, 0).expect("midnight");
    let start_dt = start.and_hms_opt(0, 0, 0).expect("midnight");
    let failures = repairs
        .filter(col("failure").and(col("reported_at").gt_eq(lit(start_dt))).and(col("reported_at").lt(lit(end_dt))))
        .with_column(
            (col("reported_at").dt().year().cast(DataType::Int64) * lit(12i64)
                + col("reported_at").dt().month().cast(DataType::Int64)
                - lit(1i64))
            .alias("t"),
        );
    // A unit counts once a month, at its first failure's age.
    let fails = crate::metrics::collect(
        policy::first_failures(failures, &["product_line", "component", "t"])
            .sort(["product_line", "component", "t", "age"], SortMultipleOptions::default()),
    )?;
    let by_age = fails;

    let s = crate::metrics::columns::strings;
    let i = crate::metrics::columns::ints;
    // Exposure (unit-months) by (line, main?) → [month][age].
    let mut exposure: BTreeMap<(String, bool), Vec<Vec<f64>>> = BTreeMap::new();
    let (hl, hs, hwm, hwu, hn) =
        (s(&hist, "product_line")?, i(&hist, "s")?, i(&hist, "wm")?, i(&hist, "wu")?, i(&hist, "n")?);
    let month_days: Vec<(i64, i64)> = (0..months)
        .map(|k| {
            let idx = first + k as i64;
            let a = chrono::NaiveDate::from_ymd_opt((idx / 12) as i32, (idx % 12) as u32 + 1, 1).expect("a month");
            let b = a.checked_add_months(chrono::Months::new(1)).expect("a month");
            (day_number(a), day_number(b))
        })
        .collect();
    for r in 0..hist.height() {
        let (Some(line), Some(svc), Some(n)) = (hl.get(r), hs.get(r), hn.get(r)) else { continue };
        for (main, we) in [(true, hwm.get(r)), (false, hwu.get(r))] {
            let Some(we) = we else { continue };
            let grid = exposure.entry((line.to_string(), main)).or_insert_with(|| vec![Vec::new(); months]);
            for (k, &(a, b)) in month_days.iter().enumerate() {
                let (lo, hi) = (a.max(svc), b.min(we));
                if hi <= lo {
                    continue;
                }
                let age = (((lo + hi) as f64 / 2.0 - svc as f64) / DAYS_PER_MONTH).max(0.0) as usize;
                if grid[k].len() <= age {
                    grid[k].resize(age + 1, 0.0);
                }
                grid[k][age] += n as f64 * (hi - lo) as f64 / DAYS_PER_MONTH;
            }
        }
    }
    // Observed per (line, component) → month; failures by age for the baseline.
    let mut observed: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut age_fail: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let (fl, fc, ft, fnn, fa) =
        (s(&by_age, "product_line")?, s(&by_age, "component")?, i(&by_age, "t")?, i(&by_age, "n")?, i(&by_age, "age")?);
    for r in 0..by_age.height() {
        let (Some(line), Some(comp), Some(t), Some(n)) = (fl.get(r), fc.get(r), ft.get(r), fnn.get(r)) else {
            continue;
        };
        let k = (t - first) as usize;
        if k >= months {
            continue;
        }
        observed.entry((line.into(), comp.into())).or_insert_with(|| vec![0.0; months])[k] += n as f64;
        let age = fa.get(r).unwrap_or(0).max(0) as usize;
        let v = age_fail.entry((line.into(), comp.into())).or_default();
        if v.len() <= age {
            v.resize(age + 1, 0.0);
        }
        v[age] += n as f64;
    }

    let label = |k: usize| {
        let idx = first + k as i64;
        format!("{:04}-{:02}", idx / 12, idx % 12 + 1)
    };
    let complete = |k: usize| first + (k as i64) < latest;
    let mut series = Vec::new();
    for pl in &config.product_lines {
        for c in &config.components {
            let Some(grid) = exposure.get(&(pl.code.clone(), c.main)) else { continue };
            let key = (pl.code.clone(), c.code.clone());
            let obs = observed.get(&key).cloned().unwrap_or_else(|| vec![0.0; months]);
            // Baseline by age over the complete months of the window.
            let ages = grid.iter().map(Vec::len).max().unwrap_or(0);
            let mut x_age = vec![0.0; ages];
            for (_, row) in grid.iter().enumerate().filter(|(k, _)| complete(*k)) {
                for (a, x) in row.iter().enumerate() {
                    x_age[a] += x;
                }
            }
            let f_age = age_fail.get(&key).cloned().unwrap_or_default();
            let rate = |a: usize| {
                if x_age.get(a).copied().unwrap_or(0.0) > 0.0 {
                    f_age.get(a).copied().unwrap_or(0.0) / x_age[a]
                } else {
                    0.0
                }
            };
            let expected: Vec<f64> =
                grid.iter().map(|row| row.iter().enumerate().map(|(a, x)| rate(a) * x).sum()).collect();
            let chart = control_chart(&obs, &expected, &(0..months).map(complete).collect::<Vec<_>>());
            series.push(TrendSeries {
                product_line: pl.code.clone(),
                component: c.code.clone(),
                months: (0..months).map(label).collect(),
                // Unit-months as contract section 5 counts them: days in
                // warranty over the days of that month.
                exposure: grid
                    .iter()
                    .zip(&month_days)
                    .map(|(row, (a, b))| row.iter().sum::<f64>() * DAYS_PER_MONTH / (b - a) as f64)
                    .collect(),
                observed: obs,
                expected,
                chart,
            });
        }
    }
    Ok(series)
}

/// The u-chart (or Laney u′) of observed over expected for the months with
/// an expectation, with the Western Electric rules that complete at each
/// complete month. None with fewer than 8 such months.
fn control_chart(observed: &[f64], expected: &[f64], complete: &[bool]) -> Option<ControlChart> {
    let points: Vec<usize> = (0..observed.len()).filter(|&k| expected[k] > 0.0).collect();
    if points.len() < 8 {
        return None;
    }
    let o: Vec<f64> = points.iter().map(|&k| observed[k]).collect();
    let e: Vec<f64> = points.iter().map(|&k| expected[k]).collect();
    let (limits, sigma_z) = laney_u_chart(&o, &e);
    let (limits, statistic) = if sigma_z > 1.0 { (limits, "laney_u") } else { (u_chart(&o, &e), "u_chart") };
    let u: Vec<f64> = o.iter().zip(&e).map(|(o, e)| o / e).collect();
    let rules = (0..points.len())
        .map(|j| {
            if !complete[points[j]] {
                return Vec::new();
            }
            let prefix = Limits {
                centre: limits.centre,
                lower: limits.lower[..=j].to_vec(),
                upper: limits.upper[..=j].to_vec(),
                sigma: limits.sigma[..=j].to_vec(),
            };
            let mut fired = western_electric(&u[..=j], &prefix);
            // With few expected failures the chart's normal limits are too
            // eager: a point beyond 3σ must also be as rare as 3σ is
            // (one-sided 0.00135) under the exact Poisson tail.
            if poisson_sf(o[j] as u64, limits.centre * e[j]) >= 0.00135 {
                fired.retain(|r| *r != "WE1");
            }
            fired
        })
        .collect();
    Some(ControlChart {
        statistic,
        centre: limits.centre,
        expected: e.iter().map(|e| limits.centre * e).collect(),
        upper: limits.upper.iter().zip(&e).map(|(u, e)| u * e).collect(),
        points,
        rules,
    })
}

/// The trend alerts of the month: a rule that completes at M, the last
/// month of each series, when M is complete.
pub fn trend_alerts(series: &[TrendSeries], month: &Month, config: &Config) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for s in series {
        let Some(chart) = &s.chart else { continue };
        let last = s.months.len() - 1;
        if chart.points.last() != Some(&last) || s.months[last] != month.label {
            continue;
        }
        let rules = chart.rules.last().expect("one per point");
        if rules.is_empty() {
            continue;
        }
        let (o_m, e_m) = (s.observed[last], *chart.expected.last().expect("one per point"));
        let mut a = Alert::new(Kind::ComponentTrend, Severity::Warning, &month.label, month.provisional, String::new());
        a.product_line = Some(s.product_line.clone());
        a.component = Some(s.component.clone());
        a.observed = Some(o_m);
        a.expected = Some(e_m);
        a.statistic = Some(chart.statistic.into());
        a.rule = Some(rules.join(","));
        alerts.push(a.worded(config).with_id());
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten months, 10 expected failing units each, 10 observed in the first
    /// nine and 30 in the last. By hand: centre = 120 / 100 = 1.2; each
    /// point's σ = √(1.2 / 10) = 0.34641; the first nine sit at z = −0.577,
    /// the last at z = 5.196, so the moving ranges are eight 0s and one
    /// 5.774 and σ_z = (5.774 / 9) / 1.128 = 0.569 < 1: a plain u-chart. The
    /// last point is beyond 3σ (WE1), no other rule completes, and
    /// P(X ≥ 30 | Poisson 12) ≈ 2e-5 < 0.00135 keeps WE1.
    fn series(complete_last: bool) -> (Vec<f64>, Vec<f64>, Vec<bool>) {
        let mut observed = vec![10.0; 9];
        observed.push(30.0);
        let mut complete = vec![true; 10];
        complete[9] = complete_last;
        (observed, vec![10.0; 10], complete)
    }

    #[test]
    fn a_jump_in_the_last_month_completes_we1_on_a_u_chart() {
        let (o, e, c) = series(true);
        let chart = control_chart(&o, &e, &c).expect("10 points");
        assert_eq!(chart.statistic, "u_chart");
        assert!((chart.centre - 1.2).abs() < 1e-12);
        assert_eq!(chart.points, (0..10).collect::<Vec<_>>());
        assert!((chart.expected[9] - 12.0).abs() < 1e-9);
        assert!((chart.upper[9] - (12.0 + 3.0 * 12f64.sqrt())).abs() < 1e-9, "{}", chart.upper[9]);
        assert_eq!(chart.rules[9], ["WE1"]);
        assert!(chart.rules[..9].iter().all(|r| r.is_empty()));

        let months: Vec<String> = Month::range("2025-12", "2026-09").unwrap();
        let s = TrendSeries {
            product_line: "household".into(),
            component: "compressor".into(),
            months,
            observed: o,
            exposure: vec![1000.0; 10],
            expected: e,
            chart: Some(chart),
        };
        let alerts = trend_alerts(&[s], &Month::new("2026-09", Some("2026-10")).unwrap(), &Config::defaults());
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!(a.id, "2026-09/component_trend/household/-/compressor/-/-");
        assert_eq!(
            a.message,
            "compressor failures in household rose: 30 failing units this month against 12.0 expected for the fleet's age (WE1)"
        );
        assert_eq!((a.statistic.as_deref(), a.rule.as_deref(), a.expected), (Some("u_chart"), Some("WE1"), Some(12.0)));
    }

    #[test]
    fn a_provisional_month_is_charted_but_never_fires_and_few_points_give_no_chart() {
        let (o, e, c) = series(false);
        let chart = control_chart(&o, &e, &c).expect("10 points");
        assert!(chart.rules[9].is_empty());
        let mut e7 = vec![0.0; 3];
        e7.extend([10.0; 7]);
        assert!(control_chart(&o, &e7, &c).is_none(), "7 months with an expectation are too few");
    }
}
