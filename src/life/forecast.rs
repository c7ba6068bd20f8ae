//! The warranty forecast of a report month M: expected covered claims and
//! cost of the units sold by the end of M, for each month of the horizon,
//! per product line × component and for the company
//! (`forecast.parquet`); the Nevada table of claims by sale month × claim
//! month (`nevada.parquet`); and the forecast's track record
//! (`forecast_backtest.parquet`): for each of the last 6 months, what the
//! forecast made 6 months before, from the lake as it stood then, said.
//!
//! `history` gives the lake's units and claims as they stood after any
//! load month; the model is `claims`, in plain arithmetic over them.

use std::collections::HashMap;

use polars::prelude::*;

use super::claims::{self, Claims, Cohort};
use super::history::{state_at, versions, ClaimRow, State};
use super::lake::Life;
use crate::config::Config;
use crate::error::Result;
use crate::lake::Lake;
use crate::metrics::Inputs;
use crate::month::{index, Month, DAYS_PER_MONTH};
use crate::schema::Schemas;

/// The label of the company rows.
const ALL: &str = "all";
/// Months of back-test, each forecast `BACKTEST_AHEAD` months ahead.
const BACKTEST_MONTHS: i64 = 6;
const BACKTEST_AHEAD: i64 = 6;

/// A month index as `YYYY-MM`.
pub fn label(i: i64) -> String {
    format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1)
}

/// One forecast cell: a month, line and component (or `all`).
#[derive(Debug, Clone)]
pub struct Cell {
    pub forecast_month: i64,
    pub product_line: String,
    pub component: String,
    pub units_in_warranty: f64,
    pub mean: f64,
    pub var: f64,
    /// The part of `var` (and of `cost_var`) that is the estimate's own
    /// error: correlated across the months of a horizon.
    pub est_var: f64,
    pub cost_mean: f64,
    pub cost_var: f64,
    pub cost_est_var: f64,
    pub new_sales: f64,
}

/// The mean of `cells` summed over months, with the variance of the sum:
/// the counts' own spread adds up, the estimation error of each cell adds
/// up as perfectly correlated over months. `[claims mean, variance, cost
/// mean, variance]`.
pub fn sum_over_months(cells: &[&Cell]) -> [f64; 4] {
    let mut by_series: HashMap<(&str, &str), (f64, f64)> = HashMap::new();
    let (mut m, mut v, mut cm, mut cv) = (0.0, 0.0, 0.0, 0.0);
    for c in cells {
        m += c.mean;
        v += c.var - c.est_var;
        cm += c.cost_mean;
        cv += c.cost_var - c.cost_est_var;
        let e = by_series.entry((c.product_line.as_str(), c.component.as_str())).or_default();
        e.0 += c.est_var.sqrt();
        e.1 += c.cost_est_var.sqrt();
    }
    let mut series: Vec<_> = by_series.into_iter().collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, (sd, cost_sd)) in series {
        v += sd * sd;
        cv += cost_sd * cost_sd;
    }
    [m, v, cm, cv]
}

/// Mean and variance of a covered repair's cost: the line and component's
/// last 12 months, else the component's across lines, else every claim's.
fn cost_moments(state: &State, line: &str, component: &str, origin: i64) -> (f64, f64) {
    let recent = |pick: &dyn Fn(&ClaimRow) -> bool| {
        let (mut n, mut s, mut sq) = (0.0, 0.0, 0.0);
        for c in state.claims.iter().filter(|c| c.month > origin - 12 && c.month <= origin && pick(c)) {
            n += c.n;
            s += c.cost;
            sq += c.cost_sq;
        }
        (n >= 5.0).then(|| (s / n, (sq / n - (s / n).powi(2)).max(0.0)))
    };
    recent(&|c| c.line == line && c.component == component)
        .or_else(|| recent(&|c| c.component == component))
        .or_else(|| recent(&|_| true))
        .unwrap_or((0.0, 0.0))
}

/// The forecast cells of `state` for months origin+1 ..= origin+horizon.
fn forecast_cells(state: &State, first: i64, origin: i64, horizon: i64, life: &Life, config: &Config) -> Vec<Cell> {
    let mut out = Vec::new();
    for pl in &config.product_lines {
        let cohorts = state.cohorts.get(&pl.code).map(Vec::as_slice).unwrap_or(&[]);
        // New sales: the average of the last 3 complete months.
        let per_month: f64 =
            (0..3).map(|k| state.sales.get(&(pl.code.clone(), origin - k)).copied().unwrap_or(0.0)).sum::<f64>() / 3.0;
        for c in &config.components {
            let warranty = if c.main { pl.main_months } else { pl.unit_months } as i64;
            let cs: Vec<Cohort> = cohorts
                .iter()
                .map(|&(s, lm, lu, n)| Cohort { service: s, last: if c.main { lm } else { lu }, n })
                .collect();
            let mut by_cell: HashMap<(i64, i64), f64> = HashMap::new();
            for k in state.claims.iter().filter(|k| k.line == pl.code && k.component == c.code) {
                *by_cell.entry((k.service, k.month)).or_default() += k.n;
            }
            let mut ks: Vec<Claims> =
                by_cell.into_iter().map(|((s, m), n)| Claims { service: s, month: m, n }).collect();
            ks.sort_by_key(|k| (k.service, k.month));
            let max_age = (warranty.max(1) + 1) as usize;
            let fit = life.get(&pl.code, &c.code).and_then(|f| f.fit.clone());
            let hazard = fit.map(|f| {
                move |a: usize| {
                    let (t0, t1) = (a as f64 * DAYS_PER_MONTH, (a + 1) as f64 * DAYS_PER_MONTH);
                    let r0 = f.reliability(t0);
                    if r0 > 0.0 {
                        (r0 - f.reliability(t1)) / r0
                    } else {
                        0.0
                    }
                }
            });
            let rates =
                claims::estimate(&cs, &ks, first, origin, max_age, hazard.as_ref().map(|h| h as &dyn Fn(usize) -> f64));
            let (cost_mean, cost_var) = cost_moments(state, &pl.code, &c.code, origin);
            for f in origin + 1..=origin + horizon {
                let (mean, var, est_var) = claims::expected(&cs, &rates, f);
                let new: Vec<Cohort> =
                    (origin + 1..=f).map(|j| Cohort { service: j, last: j + warranty - 1, n: per_month }).collect();
                out.push(Cell {
                    forecast_month: f,
                    product_line: pl.code.clone(),
                    component: c.code.clone(),
                    units_in_warranty: claims::in_warranty(&cs, f),
                    mean,
                    var,
                    est_var,
                    cost_mean: mean * cost_mean,
                    // A compound sum: the count's spread at the mean cost,
                    // and the costs' own spread.
                    cost_var: var * cost_mean * cost_mean + mean * cost_var,
                    cost_est_var: est_var * cost_mean * cost_mean,
                    new_sales: claims::expected(&new, &rates, f).0,
                });
            }
        }
    }
    // The company: sums, the cells taken as independent. Units in warranty
    // count each unit once: its longest warranty (a main part's).
    for f in origin + 1..=origin + horizon {
        let month: Vec<&Cell> = out.iter().filter(|c| c.forecast_month == f).collect();
        let units: f64 = config
            .product_lines
            .iter()
            .map(|pl| {
                let cs = state.cohorts.get(&pl.code).map(Vec::as_slice).unwrap_or(&[]);
                cs.iter().filter(|c| f <= c.1.max(c.2)).map(|c| c.3).sum::<f64>()
            })
            .sum();
        out.push(Cell {
            forecast_month: f,
            product_line: ALL.into(),
            component: ALL.into(),
            units_in_warranty: units,
            mean: month.iter().map(|c| c.mean).sum(),
            var: month.iter().map(|c| c.var).sum(),
            est_var: month.iter().map(|c| c.est_var).sum(),
            cost_mean: month.iter().map(|c| c.cost_mean).sum(),
            cost_var: month.iter().map(|c| c.cost_var).sum(),
            cost_est_var: month.iter().map(|c| c.cost_est_var).sum(),
            new_sales: month.iter().map(|c| c.new_sales).sum(),
        });
    }
    out
}

/// The month's forecast, Nevada table and back-test, as written, and the
/// cells behind them for the pages.
pub struct Forecast {
    pub forecast: DataFrame,
    pub nevada: DataFrame,
    pub backtest: DataFrame,
    pub cells: Vec<Cell>,
    /// Covered claims per month of the last 12 (the company's), oldest first.
    pub actual: Vec<(i64, f64)>,
    /// Back-test rows: (target month, line or `all`, expected, lower, upper, actual).
    pub track: Vec<Track>,
}

#[derive(Debug, Clone)]
pub struct Track {
    pub target: i64,
    pub origin: i64,
    pub product_line: String,
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    pub actual: f64,
}

/// Compute the forecast of report month `month` from the month's
/// `inputs`: their [`UnitVersions`] when no serial was loaded twice, and
/// every repair version.
pub fn compute(
    lake: &Lake,
    schemas: &Schemas,
    inputs: &Inputs,
    month: &Month,
    first_load: &Month,
    life: &Life,
    config: &Config,
) -> Result<Forecast> {
    let started = std::time::Instant::now();
    let (first, origin) = (index(first_load.start), index(month.start));
    let horizon = config.forecast.horizon as i64;
    let level = config.forecast.interval;
    let all = versions(lake, schemas, config, inputs.unit_versions.as_ref(), &inputs.repair_versions)?;
    let latest = match lake.manifests()?.last() {
        Some(m) => index(Month::new(&m.load_month, None)?.start),
        None => origin,
    };
    let state = state_at(&all, latest, origin);
    let cells = forecast_cells(&state, first, origin, horizon, life, config);
    tracing::debug!("forecast: {} cells in {:?}", cells.len(), started.elapsed());

    // The track record: the forecast made BACKTEST_AHEAD months before each
    // of the last BACKTEST_MONTHS months, from the lake as it stood after
    // that month's load.
    let mut track = Vec::new();
    for target in origin - BACKTEST_MONTHS + 1..=origin {
        let from = target - BACKTEST_AHEAD;
        if from < first {
            continue;
        }
        let past = state_at(&all, from, from);
        let past_cells = forecast_cells(&past, first, from, BACKTEST_AHEAD, life, config);
        let mut lines: Vec<String> = config.product_lines.iter().map(|p| p.code.clone()).collect();
        lines.push(ALL.into());
        for line in lines {
            let picked: Vec<&Cell> = past_cells
                .iter()
                .filter(|c| c.forecast_month == target && c.component != ALL)
                .filter(|c| line == ALL || c.product_line == line)
                .collect();
            let (mean, var) = (picked.iter().map(|c| c.mean).sum::<f64>(), picked.iter().map(|c| c.var).sum::<f64>());
            let (lower, upper) = claims::interval(mean, var, level);
            let actual: f64 = state
                .claims
                .iter()
                .filter(|c| c.month == target && c.sold <= from && (line == ALL || c.line == line))
                .map(|c| c.n)
                .sum();
            track.push(Track { target, origin: from, product_line: line, expected: mean, lower, upper, actual });
        }
    }
    tracing::debug!("forecast: back-test of {} rows in {:?}", track.len(), started.elapsed());
    let actual =
        (origin - 11..=origin).map(|m| (m, state.claims.iter().filter(|c| c.month == m).map(|c| c.n).sum())).collect();
    Ok(Forecast {
        forecast: forecast_frame(&cells, month, level)?,
        nevada: nevada_frame(&state, first, origin, month, config)?,
        backtest: backtest_frame(&track, month)?,
        cells,
        actual,
        track,
    })
}

fn forecast_frame(cells: &[Cell], month: &Month, level: f64) -> PolarsResult<DataFrame> {
    let n = cells.len();
    let mut rows: Vec<&Cell> = cells.iter().collect();
    rows.sort_by_key(|c| (c.forecast_month, c.product_line == ALL, c.product_line.clone(), c.component.clone()));
    let interval = |m: f64, v: f64| claims::interval(m, v, level);
    let claims_iv: Vec<(f64, f64)> = rows.iter().map(|c| interval(c.mean, c.var)).collect();
    let cost_iv: Vec<(f64, f64)> = rows.iter().map(|c| interval(c.cost_mean, c.cost_var)).collect();
    let cents = |v: f64| (v * 100.0).round() / 100.0;
    DataFrame::new(
        n,
        vec![
            Column::new("month".into(), vec![month.label.clone(); n]),
            Column::new("forecast_month".into(), rows.iter().map(|c| label(c.forecast_month)).collect::<Vec<_>>()),
            Column::new("product_line".into(), rows.iter().map(|c| c.product_line.clone()).collect::<Vec<_>>()),
            Column::new("component".into(), rows.iter().map(|c| c.component.clone()).collect::<Vec<_>>()),
            Column::new(
                "units_in_warranty".into(),
                rows.iter().map(|c| c.units_in_warranty as i64).collect::<Vec<_>>(),
            ),
            Column::new("claims_expected".into(), rows.iter().map(|c| c.mean).collect::<Vec<_>>()),
            Column::new("claims_lower".into(), claims_iv.iter().map(|x| x.0).collect::<Vec<_>>()),
            Column::new("claims_upper".into(), claims_iv.iter().map(|x| x.1).collect::<Vec<_>>()),
            Column::new("cost_expected".into(), rows.iter().map(|c| cents(c.cost_mean)).collect::<Vec<_>>()),
            Column::new("cost_lower".into(), cost_iv.iter().map(|x| cents(x.0)).collect::<Vec<_>>()),
            Column::new("cost_upper".into(), cost_iv.iter().map(|x| cents(x.1)).collect::<Vec<_>>()),
            Column::new("new_sales_claims_expected".into(), rows.iter().map(|c| c.new_sales).collect::<Vec<_>>()),
            Column::new("provisional".into(), vec![month.provisional; n]),
        ],
    )
}

/// Covered claims by sale month × claim month, per line and component,
/// with the units sold in each sale month: every sale month with sales,
/// every claim month the lake observed from the sale on.
fn nevada_frame(state: &State, first: i64, origin: i64, month: &Month, config: &Config) -> PolarsResult<DataFrame> {
    let mut counts: HashMap<(&str, &str, i64, i64), f64> = HashMap::new();
    for c in &state.claims {
        *counts.entry((c.line.as_str(), c.component.as_str(), c.sold, c.month)).or_default() += c.n;
    }
    let mut sold_months: Vec<(&String, i64, f64)> = state.sales.iter().map(|((l, m), n)| (l, *m, *n)).collect();
    sold_months.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let (mut line, mut comp, mut sale, mut claim, mut units, mut n) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for pl in &config.product_lines {
        for c in &config.components {
            for (l, s, sold) in sold_months.iter().filter(|x| *x.0 == pl.code) {
                for m in first.max(*s)..=origin {
                    line.push(l.to_string());
                    comp.push(c.code.clone());
                    sale.push(label(*s));
                    claim.push(label(m));
                    units.push(*sold as i64);
                    n.push(counts.get(&(l.as_str(), c.code.as_str(), *s, m)).copied().unwrap_or(0.0) as i64);
                }
            }
        }
    }
    let rows = line.len();
    DataFrame::new(
        rows,
        vec![
            Column::new("month".into(), vec![month.label.clone(); rows]),
            Column::new("product_line".into(), line),
            Column::new("component".into(), comp),
            Column::new("sale_month".into(), sale),
            Column::new("claim_month".into(), claim),
            Column::new("units_sold".into(), units),
            Column::new("claims".into(), n),
            Column::new("provisional".into(), vec![month.provisional; rows]),
        ],
    )
}

fn backtest_frame(track: &[Track], month: &Month) -> PolarsResult<DataFrame> {
    let n = track.len();
    DataFrame::new(
        n,
        vec![
            Column::new("month".into(), vec![month.label.clone(); n]),
            Column::new("target_month".into(), track.iter().map(|t| label(t.target)).collect::<Vec<_>>()),
            Column::new("origin_month".into(), track.iter().map(|t| label(t.origin)).collect::<Vec<_>>()),
            Column::new("product_line".into(), track.iter().map(|t| t.product_line.clone()).collect::<Vec<_>>()),
            Column::new("claims_expected".into(), track.iter().map(|t| t.expected).collect::<Vec<_>>()),
            Column::new("claims_lower".into(), track.iter().map(|t| t.lower).collect::<Vec<_>>()),
            Column::new("claims_upper".into(), track.iter().map(|t| t.upper).collect::<Vec<_>>()),
            Column::new("claims_actual".into(), track.iter().map(|t| t.actual as i64).collect::<Vec<_>>()),
            Column::new(
                "covered".into(),
                track.iter().map(|t| t.lower <= t.actual && t.actual <= t.upper).collect::<Vec<_>>(),
            ),
            Column::new("provisional".into(), vec![month.provisional; n]),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two months of one line and component, each with variance 10 of which
    /// 4 is the estimate's: the counts add 6 + 6, the estimate's error adds
    /// as one, (2 + 2)² = 16: 28 in all, not 20.
    #[test]
    fn a_horizon_adds_the_estimate_error_up_as_correlated() {
        let cell = |f: i64| Cell {
            forecast_month: f,
            product_line: "household".into(),
            component: "compressor".into(),
            units_in_warranty: 1000.0,
            mean: 10.0,
            var: 10.0,
            est_var: 4.0,
            cost_mean: 1000.0,
            cost_var: 100.0,
            cost_est_var: 36.0,
            new_sales: 0.0,
        };
        let (a, b) = (cell(1), cell(2));
        assert_eq!(sum_over_months(&[&a, &b]), [20.0, 28.0, 2000.0, 128.0 + 144.0]);
    }
}
