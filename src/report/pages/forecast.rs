//! The warranty forecast on the pages. Managers: a tile with the expected
//! claims and cost of the next 3 and 12 months and their ranges, the
//! outlook chart (the last 12 months' actual claims, then the next 12
//! expected with their band), and the forecast's track record. Engineers:
//! the Nevada heat map of each key component, the Nevada table, and the
//! forecast of each key component. Exports: `forecast.csv`, `nevada.csv`,
//! `forecast_backtest.csv`.

use super::*;
use crate::life::claims::interval;
use crate::life::forecast::{label, sum_over_months, Cell as FCell};
use crate::report::table::group_digits;
use crate::report::xy::{self, HeatMap};

#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub label: String,
    pub claims: String,
    pub claims_range: String,
    pub cost: String,
    pub cost_range: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastSummary {
    pub periods: Vec<Period>,
    pub charts: Vec<Chart>,
    pub backtest: Table,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastDetail {
    pub nevada_charts: Vec<Chart>,
    pub nevada_view: Table,
    pub nevada: Table,
    pub key_forecast: Table,
    pub forecast: Table,
}

fn money(v: f64) -> String {
    group_digits(v.round() as i64)
}

/// The claims and cost of the first `months` forecast months of the cells
/// `pick` selects, with their intervals: `[claims, low, high, cost, low,
/// high]`.
fn horizon_sum(cells: &[FCell], months: i64, first: i64, pick: impl Fn(&FCell) -> bool, level: f64) -> [f64; 6] {
    let chosen: Vec<&FCell> = cells.iter().filter(|c| c.forecast_month < first + months && pick(c)).collect();
    let [m, v, cm, cv] = sum_over_months(&chosen);
    let (lo, hi) = interval(m, v, level);
    let (clo, chi) = interval(cm, cv, level);
    [m, lo, hi, cm, clo, chi]
}

pub fn summary_section(src: &Sources, t: &Text) -> Result<ForecastSummary> {
    let f = src.forecast;
    let level = src.config.forecast.interval;
    let first = f.cells.iter().map(|c| c.forecast_month).min().unwrap_or(0);
    let company = |c: &FCell| c.product_line == "all";
    let periods = [(3, "next_3_months"), (12, "next_12_months")]
        .into_iter()
        .filter(|(n, _)| *n <= src.config.forecast.horizon as i64)
        .map(|(n, word)| {
            let [m, lo, hi, cm, clo, chi] = horizon_sum(&f.cells, n, first, company, level);
            Period {
                label: t.get(word).into(),
                claims: format!("{m:.0}"),
                claims_range: format!("{lo:.0} – {hi:.0}"),
                cost: money(cm),
                cost_range: format!("{} – {}", money(clo), money(chi)),
            }
        })
        .collect();

    // The outlook: actual claims of the last 12 months, then the forecast.
    let mut months: Vec<String> = f.actual.iter().map(|(m, _)| label(*m)).collect();
    let future: Vec<&FCell> = f.cells.iter().filter(|c| company(c)).collect();
    months.extend(future.iter().map(|c| label(c.forecast_month)));
    let past = f.actual.len();
    let pad = |v: Vec<Option<f64>>, before: bool| -> Vec<Option<f64>> {
        if before {
            std::iter::repeat_n(None, past).chain(v).collect()
        } else {
            v.into_iter().chain(std::iter::repeat_n(None, future.len())).collect()
        }
    };
    let ivs: Vec<(f64, f64)> = future.iter().map(|c| interval(c.mean, c.var, level)).collect();
    let line = |name: &str, values: Vec<Option<f64>>, color, dashed, dots| Line {
        name: name.into(),
        values,
        color,
        dashed,
        dots,
    };
    let outlook = LineChart {
        title: t.get("forecast_outlook").into(),
        x_label: t.get("month").into(),
        y_label: t.get("claims").into(),
        categories: months,
        lines: vec![
            line(t.get("actual"), pad(f.actual.iter().map(|a| Some(a.1)).collect(), false), PALETTE[0], false, true),
            line(t.get("expected"), pad(future.iter().map(|c| Some(c.mean)).collect(), true), ALARM, false, true),
            line(
                t.get("with_new_sales"),
                pad(future.iter().map(|c| Some(c.mean + c.new_sales)).collect(), true),
                PALETTE[1],
                true,
                false,
            ),
            line(t.get("interval_low"), pad(ivs.iter().map(|i| Some(i.0)).collect(), true), GREY, true, false),
            line(t.get("interval_high"), pad(ivs.iter().map(|i| Some(i.1)).collect(), true), GREY, true, false),
        ],
        reference: None,
        percent: false,
        rings: Vec::new(),
        ring_label: String::new(),
        counts: false,
    };
    let next = future.first().map_or(0.0, |c| c.mean);
    let mut charts = vec![Chart::line(
        "forecast-outlook.png".into(),
        format!("{}: {} {next:.0}", t.get("forecast_outlook"), t.get("expected")),
        &outlook,
        (640, 300),
    )?];

    // The track record.
    let company_track: Vec<_> = f.track.iter().filter(|r| r.product_line == "all").collect();
    if !company_track.is_empty() {
        let spec = LineChart {
            title: t.get("forecast_vs_actual").into(),
            x_label: t.get("month").into(),
            y_label: t.get("claims").into(),
            categories: company_track.iter().map(|r| label(r.target)).collect(),
            lines: vec![
                line(
                    t.get("expected"),
                    company_track.iter().map(|r| Some(r.expected)).collect(),
                    PALETTE[0],
                    false,
                    true,
                ),
                line(t.get("interval_low"), company_track.iter().map(|r| Some(r.lower)).collect(), GREY, true, false),
                line(t.get("interval_high"), company_track.iter().map(|r| Some(r.upper)).collect(), GREY, true, false),
                line(t.get("actual"), company_track.iter().map(|r| Some(r.actual)).collect(), ALARM, false, true),
            ],
            reference: None,
            percent: false,
            rings: Vec::new(),
            ring_label: String::new(),
            counts: false,
        };
        let inside = company_track.iter().filter(|r| r.lower <= r.actual && r.actual <= r.upper).count();
        let alt = format!("{}: {inside} / {}", t.get("forecast_vs_actual"), company_track.len());
        charts.push(Chart::line("forecast-backtest.png".into(), alt, &spec, (460, 260))?);
    }
    let headers = [
        "target_month",
        "origin_month",
        "product_line",
        "expected",
        "interval_low",
        "interval_high",
        "actual",
        "covered",
    ];
    let mut backtest =
        Table::new("forecast_backtest", t.get("backtest_table"), headers.iter().map(|h| t.get(h).into()).collect());
    let mut rows: Vec<_> = f.track.iter().collect();
    // The company first on the page; every line in the export.
    rows.sort_by_key(|r| (r.product_line != "all", r.product_line.clone(), r.target));
    for r in rows {
        let inside = r.lower <= r.actual && r.actual <= r.upper;
        backtest.rows.push(vec![
            Cell::text(label(r.target)),
            Cell::text(label(r.origin)),
            Cell::text(line_name(&r.product_line, t)),
            Cell::float(Some(r.expected), 1),
            Cell::float(Some(r.lower), 1),
            Cell::float(Some(r.upper), 1),
            Cell::int(r.actual as i64),
            Cell::text(t.get(if inside { "yes" } else { "no" })).with_class(if inside { "" } else { "bad" }),
        ]);
    }
    let shown = company_track.len();
    Ok(ForecastSummary { periods, charts, backtest: backtest.limit(shown) })
}

fn line_name(code: &str, t: &Text) -> String {
    if code == "all" {
        t.get("all_lines").to_string()
    } else {
        t.line(code)
    }
}

pub fn engineering_section(src: &Sources, t: &Text) -> Result<ForecastDetail> {
    let f = src.forecast;
    let level = src.config.forecast.interval;
    let keys: Vec<&crate::config::Component> = src.config.components.iter().filter(|c| c.key).collect();
    let nv = &f.nevada;
    let (comp, sale, claim) = (texts(nv, "component"), texts(nv, "sale_month"), texts(nv, "claim_month"));
    let (line, units, claims) = (texts(nv, "product_line"), numbers(nv, "units_sold"), numbers(nv, "claims"));

    // Heat maps and the wide table: the last 24 sale months and claim months.
    let mut sale_months: Vec<String> = sale.iter().flatten().cloned().collect();
    sale_months.sort();
    sale_months.dedup();
    let sale_months: Vec<String> = sale_months.iter().rev().take(24).rev().cloned().collect();
    let mut claim_months: Vec<String> = claim.iter().flatten().cloned().collect();
    claim_months.sort();
    claim_months.dedup();
    let claim_months: Vec<String> = claim_months.iter().rev().take(24).rev().cloned().collect();
    let grid = |pick: &dyn Fn(&str) -> bool| {
        let mut cells: BTreeMap<(String, String), f64> = BTreeMap::new();
        let mut sold: BTreeMap<(String, String), f64> = BTreeMap::new();
        for r in 0..nv.height() {
            let (Some(c), Some(s), Some(m), Some(l)) = (&comp[r], &sale[r], &claim[r], &line[r]) else { continue };
            if pick(c) {
                *cells.entry((s.clone(), m.clone())).or_default() += claims[r].unwrap_or(0.0);
                sold.insert((s.clone(), l.clone()), units[r].unwrap_or(0.0));
            }
        }
        let values: Vec<Vec<Option<f64>>> = sale_months
            .iter()
            .map(|s| claim_months.iter().map(|m| cells.get(&(s.clone(), m.clone())).copied()).collect())
            .collect();
        let per_sale: Vec<f64> =
            sale_months.iter().map(|s| sold.iter().filter(|((x, _), _)| x == s).map(|(_, n)| n).sum()).collect();
        (values, per_sale)
    };
    let mut nevada_charts = Vec::new();
    for c in &keys {
        let (values, _) = grid(&|x| x == c.code);
        let title = format!("{} / {}", drawable(t.component(&c.code), &c.code), t.get("nevada_heading"));
        let spec = HeatMap {
            title: drawable(title.clone(), &c.code),
            x_label: t.get("claim_month").into(),
            y_label: t.get("sale_month").into(),
            rows: sale_months.clone(),
            columns: claim_months.clone(),
            values: values.clone(),
            unit: t.get("claims").into(),
        };
        let total: f64 = values.iter().flatten().flatten().sum();
        nevada_charts.push(Chart {
            file: format!("nevada-{}.png", c.code),
            alt: format!("{title}: {total:.0} {}", t.get("claims")),
            width: 560,
            height: 380,
            png: xy::heat_map(&spec, (560, 380))?,
        });
    }
    let key_codes: Vec<&str> = keys.iter().map(|c| c.code.as_str()).collect();
    let (values, per_sale) = grid(&|x| key_codes.contains(&x));
    let recent: Vec<usize> = (claim_months.len().saturating_sub(12)..claim_months.len()).collect();
    let mut nevada_view = Table::new(
        "nevada_key_components",
        t.get("nevada_table"),
        [t.get("sale_month").to_string(), t.get("units_sold").to_string()]
            .into_iter()
            .chain(recent.iter().map(|&i| claim_months[i].clone()))
            .collect(),
    );
    for (r, s) in sale_months.iter().enumerate() {
        let mut row = vec![Cell::text(s.clone()), Cell::int(per_sale[r] as i64)];
        row.extend(recent.iter().map(|&i| match values[r][i] {
            Some(v) => Cell::int(v as i64),
            None => Cell::text(""),
        }));
        nevada_view.rows.push(row);
    }
    let headers = ["product_line", "component", "sale_month", "claim_month", "units_sold", "claims"];
    let mut nevada = Table::new("nevada", t.get("nevada_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for r in 0..nv.height() {
        nevada.rows.push(vec![
            Cell::text(line_name(line[r].as_deref().unwrap_or(""), t)),
            Cell::text(t.component(comp[r].as_deref().unwrap_or(""))),
            Cell::text(sale[r].clone().unwrap_or_default()),
            Cell::text(claim[r].clone().unwrap_or_default()),
            Cell::int(units[r].unwrap_or(0.0) as i64),
            Cell::int(claims[r].unwrap_or(0.0) as i64),
        ]);
    }

    // The key components' forecast, per line.
    let first = f.cells.iter().map(|c| c.forecast_month).min().unwrap_or(0);
    let headers =
        ["product_line", "component", "claims_3", "claims_range", "claims_12", "claims_range", "cost_12", "cost_range"];
    let mut key_forecast = Table::new(
        "forecast_key_components",
        t.get("forecast_table"),
        headers.iter().map(|h| t.get(h).into()).collect(),
    );
    for pl in &src.config.product_lines {
        for c in &keys {
            let pick = |x: &FCell| x.product_line == pl.code && x.component == c.code;
            let [m3, lo3, hi3, ..] = horizon_sum(&f.cells, 3, first, pick, level);
            let [m12, lo12, hi12, cm, clo, chi] = horizon_sum(&f.cells, 12, first, pick, level);
            if m12 <= 0.0 {
                continue;
            }
            key_forecast.rows.push(vec![
                Cell::text(t.line(&pl.code)),
                Cell::text(t.component(&c.code)),
                Cell::float(Some(m3), 1),
                Cell::text(format!("{lo3:.0} – {hi3:.0}")),
                Cell::float(Some(m12), 1),
                Cell::text(format!("{lo12:.0} – {hi12:.0}")),
                Cell::num(cm, money(cm)),
                Cell::text(format!("{} – {}", money(clo), money(chi))),
            ]);
        }
    }
    let headers = [
        "forecast_month",
        "product_line",
        "component",
        "units_in_warranty",
        "expected",
        "interval_low",
        "interval_high",
        "cost",
        "new_sales_claims",
    ];
    let mut forecast = Table::new("forecast", t.get("forecast_all"), headers.iter().map(|h| t.get(h).into()).collect());
    for c in &f.cells {
        let (lo, hi) = interval(c.mean, c.var, level);
        forecast.rows.push(vec![
            Cell::text(label(c.forecast_month)),
            Cell::text(line_name(&c.product_line, t)),
            Cell::text(t.component(&c.component)),
            Cell::int(c.units_in_warranty as i64),
            Cell::float(Some(c.mean), 2),
            Cell::float(Some(lo), 2),
            Cell::float(Some(hi), 2),
            Cell::float(Some(c.cost_mean), 2),
            Cell::float(Some(c.new_sales), 2),
        ]);
    }
    Ok(ForecastDetail {
        nevada_charts,
        nevada_view,
        nevada: nevada.limit(0),
        key_forecast,
        forecast: forecast.limit(0),
    })
}
