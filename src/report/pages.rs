//! The three pages' content, built from the month's tables, alerts and
//! evidence: tables (shown and exported) and charts (drawn to PNG bytes).
//! Pure: nothing here reads or writes files. Every text from input data
//! stays data (the templates escape it); every file name is a fixed word
//! or a configuration code, never an input value.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use serde::Serialize;

use super::charts::{self, Line, LineChart, Pareto, ALARM, GREY, PALETTE};
use super::fonts::drawable;
use super::i18n::Text;
use super::table::{Cell, Table};
use crate::alerts::{Alert, Evidence, Kind, Severity};
use crate::config::Config;
use crate::error::Result;
use crate::lake::manifest::Manifest;
use crate::metrics::columns::{cents, flags, money_text, numbers, texts};
use crate::metrics::Tables;
use crate::month::Month;

/// Everything a report is made from.
pub struct Sources<'a> {
    pub month: &'a Month,
    pub tables: &'a Tables,
    /// Company KPIs of the months before M, oldest first, M excluded.
    pub kpi_history: &'a [(String, DataFrame)],
    pub alerts: &'a [Alert],
    pub evidence: &'a Evidence,
    /// From `data::failures_by_code`.
    pub failures_by_code: &'a DataFrame,
    /// From `data::complaints`.
    pub complaints: &'a DataFrame,
    /// From `data::rejects`.
    pub rejects: &'a DataFrame,
    pub manifests: &'a [Manifest],
    pub config: &'a Config,
}

/// A chart: its file beside the page, its alt text and its PNG bytes.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub file: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
    #[serde(skip)]
    pub png: Vec<u8>,
}

impl Chart {
    fn line(file: String, alt: String, spec: &LineChart, size: (u32, u32)) -> Result<Chart> {
        Ok(Chart { file, alt, width: size.0, height: size.1, png: charts::line_chart(spec, size)? })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiTile {
    pub name: String,
    pub value: String,
    pub target: String,
    /// `met`, `missed` or `none`.
    pub status: String,
    pub status_text: String,
    pub change: Option<String>,
    /// `better` or `worse` (the direction counts), or empty.
    pub change_class: String,
    pub counts: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub tiles: Vec<KpiTile>,
    pub kpis: Table,
    pub kpi_charts: Vec<Chart>,
    pub kpi_history: Table,
    pub alerts: Table,
    pub league: Table,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateGroup {
    pub title: String,
    pub charts: Vec<Chart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Engineering {
    pub rate_groups: Vec<RateGroup>,
    pub rates: Table,
    pub trend_charts: Vec<Chart>,
    pub trend_points: Table,
    pub pareto_charts: Vec<Chart>,
    pub by_component: Table,
    pub by_fault_code: Table,
    pub batches: Table,
    pub batch_charts: Vec<Chart>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    pub load_chart: Chart,
    pub loads: Table,
    pub rejects: Table,
    pub findings: Table,
    pub forms: Table,
    pub audit: Table,
    pub recoverable: String,
    pub manifest: Table,
}

fn pct_text(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn target_text(target: f64, direction: &str) -> String {
    let sign = if direction == "at_most" { "≤" } else { "≥" };
    format!("{sign} {}", pct_text(target).replace(".0%", "%"))
}

/// The summary page: KPI tiles and trends, alerts, station league table.
pub fn summary(src: &Sources, t: &Text) -> Result<Summary> {
    let k = &src.tables.kpis;
    let (codes, values, targets, dirs, mets) =
        (texts(k, "kpi"), numbers(k, "value"), numbers(k, "target"), texts(k, "direction"), flags(k, "met"));
    let (nums, dens) = (numbers(k, "numerator"), numbers(k, "denominator"));
    // Values by KPI for each earlier month, oldest first.
    let history: Vec<(String, BTreeMap<String, Option<f64>>)> = src
        .kpi_history
        .iter()
        .map(|(label, df)| {
            let by: BTreeMap<String, Option<f64>> =
                texts(df, "kpi").into_iter().zip(numbers(df, "value")).filter_map(|(k, v)| Some((k?, v))).collect();
            (label.clone(), by)
        })
        .collect();
    let previous = history.last().map(|h| &h.1);

    let mut tiles = Vec::new();
    let mut kpis = Table::new(
        "kpis",
        t.get("kpis_heading"),
        ["kpi", "value", "target", "met", "numerator", "denominator", "change"]
            .iter()
            .map(|h| t.get(h).into())
            .collect(),
    );
    let mut kpi_charts = Vec::new();
    let mut months: Vec<String> = history.iter().map(|h| h.0.clone()).collect();
    months.push(src.month.label.clone());
    let mut kpi_history = Table::new(
        "kpi_history",
        t.get("kpi_trend_heading"),
        std::iter::once(t.get("kpi").to_string()).chain(months.iter().cloned()).collect(),
    );
    for r in 0..k.height() {
        let code = codes[r].clone().unwrap_or_default();
        let dir = dirs[r].clone().unwrap_or_default();
        let at_most = dir == "at_most";
        let target = targets[r].unwrap_or(0.0);
        let (status, status_text) = match mets[r] {
            Some(true) => ("met", t.get("met")),
            Some(false) => ("missed", t.get("missed")),
            None => ("none", t.get("no_data")),
        };
        let change = match (values[r], previous.and_then(|p| p.get(&code).copied().flatten())) {
            (Some(v), Some(p)) => Some((v - p) * 100.0),
            _ => None,
        };
        let change_class = match change {
            Some(d) if d.abs() < 0.05 => "",
            Some(d) if (d > 0.0) != at_most => "better",
            Some(_) => "worse",
            None => "",
        };
        tiles.push(KpiTile {
            name: t.kpi(&code),
            value: values[r].map(pct_text).unwrap_or_else(|| "–".into()),
            target: target_text(target, &dir),
            status: status.into(),
            status_text: status_text.into(),
            change: change.map(|d| format!("{d:+.1} {}", t.get("points"))),
            change_class: change_class.into(),
            counts: format!("{} / {}", nums[r].map(|v| v as i64).unwrap_or(0), dens[r].map(|v| v as i64).unwrap_or(0)),
        });
        let met_cell = Cell::text(status_text).with_class(if status == "missed" { "bad" } else { "" });
        kpis.rows.push(vec![
            Cell::text(t.kpi(&code)),
            Cell::pct(values[r]),
            Cell::text(target_text(target, &dir)),
            met_cell,
            Cell::int(nums[r].unwrap_or(0.0) as i64),
            Cell::int(dens[r].unwrap_or(0.0) as i64),
            Cell::float(change, 1),
        ]);
        // Twelve months of this KPI against its target.
        let series: Vec<Option<f64>> =
            history.iter().map(|h| h.1.get(&code).copied().flatten()).chain(std::iter::once(values[r])).collect();
        kpi_history
            .rows
            .push(std::iter::once(Cell::text(t.kpi(&code))).chain(series.iter().map(|v| Cell::pct(*v))).collect());
        let name = drawable(t.kpi(&code), &code);
        let spec = LineChart {
            title: name.clone(),
            x_label: t.get("month").into(),
            y_label: t.get("value").into(),
            categories: months.clone(),
            lines: vec![Line {
                name: t.get("value").into(),
                values: series,
                color: PALETTE[0],
                dashed: false,
                dots: true,
            }],
            reference: Some((format!("{} {}", t.get("target"), target_text(target, &dir)), target)),
            percent: true,
            rings: Vec::new(),
            ring_label: String::new(),
        };
        let alt = format!(
            "{name}: {} {} – {}, {} {}; {} {}",
            t.get("month"),
            months.first().cloned().unwrap_or_default(),
            src.month.label,
            t.get("value"),
            values[r].map(pct_text).unwrap_or_else(|| "–".into()),
            t.get("target"),
            target_text(target, &dir)
        );
        kpi_charts.push(Chart::line(format!("kpi-{code}.png"), alt, &spec, (460, 250))?);
    }

    Ok(Summary {
        tiles,
        kpis,
        kpi_charts,
        kpi_history,
        alerts: alerts_table(src.alerts, t).limit(100),
        league: league_table(&src.tables.station_kpis, src.complaints, t),
    })
}

fn alerts_table(alerts: &[Alert], t: &Text) -> Table {
    let headers = ["severity", "kind", "subject", "message", "rule", "p_value", "details"];
    let mut table = Table::new("alerts", t.get("alerts_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for a in alerts {
        let (sev, class) = match a.severity {
            Severity::Critical => (t.get("critical"), "critical"),
            Severity::Warning => (t.get("warning"), "warning"),
        };
        let kind = match a.kind {
            Kind::MajorIssue => "kind_major_issue",
            Kind::BatchFailure => "kind_batch_failure",
            Kind::ComponentTrend => "kind_component_trend",
            Kind::KpiBreach => "kind_kpi_breach",
        };
        let subject: Vec<String> = [
            a.product_line.as_deref().map(|c| t.line(c)),
            a.production_batch.clone(),
            a.component.as_deref().map(|c| t.component(c)),
            a.station_id.clone(),
            a.kpi.as_deref().map(|c| t.kpi(c)),
        ]
        .into_iter()
        .flatten()
        .collect();
        table.rows.push(vec![
            Cell::text(sev).with_class(class),
            Cell::text(t.get(kind)),
            Cell::text(subject.join(" · ")),
            Cell::text(message(a, t)),
            Cell::text(a.rule.clone().unwrap_or_default().replace(',', ", ")),
            match a.p_value {
                Some(p) => Cell::num(p, format!("{p:.1e}")),
                None => Cell::text("–"),
            },
            Cell::text(details(a, t)),
        ]);
    }
    table
}

/// An alert's one line for a manager: the alert's own message in English,
/// the same facts in Chinese.
fn message(a: &Alert, t: &Text) -> String {
    if t.lang == super::Lang::En {
        return a.message.clone();
    }
    let comp = a.component.as_deref().map(|c| t.component(c)).unwrap_or_default();
    let line = a.product_line.as_deref().map(|c| t.line(c)).unwrap_or_default();
    let (o, e) = (a.observed.unwrap_or(0.0), a.expected.unwrap_or(0.0));
    match a.kind {
        Kind::MajorIssue => format!(
            "网点 {} 报告{comp}重大质量问题（{o:.0} 例），请相关部门立即处理",
            a.station_id.as_deref().unwrap_or("")
        ),
        Kind::BatchFailure => format!(
            "批次 {}（{line}）{comp}故障 {o:.0} 台，按机龄应为 {e:.1} 台（{:.1} 倍，p = {:.1e}）；{} 台中 {} 台仍在保修期",
            a.production_batch.as_deref().unwrap_or(""),
            if e > 0.0 { o / e } else { f64::INFINITY },
            a.p_value.unwrap_or(1.0),
            a.batch_units.unwrap_or(0),
            a.units_affected.unwrap_or(0),
        ),
        Kind::ComponentTrend => format!(
            "{line}{comp}故障上升：本月 {o:.0} 台，按机队机龄应为 {e:.1} 台（{}）",
            a.rule.as_deref().unwrap_or("")
        ),
        Kind::KpiBreach => {
            let who = a.station_id.as_deref().map(|s| format!("网点 {s} ")).unwrap_or_else(|| "公司".into());
            let kpi = a.kpi.as_deref().map(|k| t.kpi(k)).unwrap_or_default();
            format!("{who}{kpi}为 {}，目标 {}", pct_text(o), pct_text(e))
        }
    }
}

/// An alert's details, their labels in the page's language (the values
/// are the station's own words).
fn details(a: &Alert, t: &Text) -> String {
    let d = a.details.clone().unwrap_or_default();
    if t.lang == super::Lang::En {
        return d;
    }
    d.split("; ")
        .map(|part| {
            let pairs = [
                ("model: ", "型号："),
                ("description: ", "问题描述："),
                ("suggestion: ", "改进建议："),
                ("numerator ", "分子 "),
            ];
            let mut out = part.to_string();
            for (en, zh) in pairs {
                if let Some(rest) = part.strip_prefix(en) {
                    out = format!("{zh}{}", rest.replace(", denominator ", "，分母 "));
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// Stations ranked by KPIs missed, then by total shortfall (points below
/// target, or above it for an at-most KPI), then by id.
fn league_table(s: &DataFrame, complaints: &DataFrame, t: &Text) -> Table {
    let (ids, codes, values, targets, dirs, mets) = (
        texts(s, "station_id"),
        texts(s, "kpi"),
        numbers(s, "value"),
        numbers(s, "target"),
        texts(s, "direction"),
        flags(s, "met"),
    );
    let kpi_order: Vec<String> = {
        let mut seen = Vec::new();
        for c in codes.iter().flatten() {
            if !seen.contains(c) {
                seen.push(c.clone());
            }
        }
        seen
    };
    struct Row {
        missed: usize,
        shortfall: f64,
        values: BTreeMap<String, (Option<f64>, Option<bool>)>,
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for r in 0..s.height() {
        let (Some(id), Some(code)) = (&ids[r], &codes[r]) else { continue };
        let row = rows.entry(id.clone()).or_insert(Row { missed: 0, shortfall: 0.0, values: BTreeMap::new() });
        if mets[r] == Some(false) {
            row.missed += 1;
            if let (Some(v), Some(target)) = (values[r], targets[r]) {
                let gap = if dirs[r].as_deref() == Some("at_most") { v - target } else { target - v };
                row.shortfall += gap.max(0.0) * 100.0;
            }
        }
        row.values.insert(code.clone(), (values[r], mets[r]));
    }
    let complaints: BTreeMap<String, i64> = texts(complaints, "station_id")
        .into_iter()
        .zip(numbers(complaints, "complaints"))
        .filter_map(|(s, n)| Some((s?, n? as i64)))
        .collect();
    let mut ranked: Vec<(String, Row)> = rows.into_iter().collect();
    ranked
        .sort_by(|a, b| b.1.missed.cmp(&a.1.missed).then(b.1.shortfall.total_cmp(&a.1.shortfall)).then(a.0.cmp(&b.0)));

    let mut headers: Vec<String> =
        ["rank", "station", "kpis_missed", "shortfall"].iter().map(|h| t.get(h).to_string()).collect();
    headers.extend(kpi_order.iter().map(|c| t.kpi(c)));
    headers.push(t.get("complaints").into());
    let mut table = Table::new("station_league", t.get("league_heading"), headers).limit(40);
    table.note = Some(t.get("league_note").into());
    for (i, (id, row)) in ranked.iter().enumerate() {
        let mut cells = vec![
            Cell::int(i as i64 + 1),
            Cell::text(id.clone()),
            Cell::int(row.missed as i64).with_class(if row.missed > 0 { "bad" } else { "" }),
            Cell::float(Some(row.shortfall), 1),
        ];
        for c in &kpi_order {
            let (v, met) = row.values.get(c).copied().unwrap_or((None, None));
            cells.push(Cell::pct(v).with_class(if met == Some(false) { "bad" } else { "" }));
        }
        cells.push(Cell::int(complaints.get(id).copied().unwrap_or(0)));
        table.rows.push(cells);
    }
    table
}

/// The engineering page: failure-rate trends, control charts, Pareto
/// charts and the flagged and worst batches.
pub fn engineering(src: &Sources, t: &Text) -> Result<Engineering> {
    let config = src.config;
    let trends = &src.evidence.trends;
    // Failing units per 1,000 unit-months, per line: key components, then the rest.
    let mut rate_groups = Vec::new();
    for pl in &config.product_lines {
        let line_name = drawable(t.line(&pl.code), &pl.code);
        let mut charts_of_line = Vec::new();
        for (key, group, suffix) in [(true, "key_components", "key"), (false, "other_components", "other")] {
            let series: Vec<_> = config
                .components
                .iter()
                .filter(|c| c.key == key)
                .filter_map(|c| trends.iter().find(|s| s.product_line == pl.code && s.component == c.code))
                .collect();
            let Some(first) = series.first() else { continue };
            let lines = series
                .iter()
                .enumerate()
                .map(|(i, s)| Line {
                    name: drawable(t.component(&s.component), &s.component),
                    values: s
                        .observed
                        .iter()
                        .zip(&s.exposure)
                        .map(|(o, x)| if *x > 0.0 { Some(1000.0 * o / x) } else { None })
                        .collect(),
                    color: PALETTE[i % PALETTE.len()],
                    dashed: false,
                    dots: false,
                })
                .collect();
            let title = format!("{line_name} / {}", t.get(group));
            let spec = LineChart {
                title: title.clone(),
                x_label: t.get("month").into(),
                y_label: t.get("rate_axis").into(),
                categories: first.months.clone(),
                lines,
                reference: None,
                percent: false,
                rings: Vec::new(),
                ring_label: String::new(),
            };
            let alt = format!(
                "{title}: {} {} – {}",
                t.get("rate_axis"),
                first.months.first().cloned().unwrap_or_default(),
                first.months.last().cloned().unwrap_or_default()
            );
            charts_of_line.push(Chart::line(format!("rates-{}-{suffix}.png", pl.code), alt, &spec, (600, 300))?);
        }
        rate_groups.push(RateGroup { title: t.line(&pl.code), charts: charts_of_line });
    }

    // The month's failure rates.
    let f = &src.tables.failure_rates;
    let headers = ["product_line", "component", "failures", "repairs", "exposure", "rate_per_1000"];
    let mut rates =
        Table::new("failure_rates", t.get("rates_table"), headers.iter().map(|h| t.get(h).into()).collect());
    let (fl, fc, ff, fr, fx, frate) = (
        texts(f, "product_line"),
        texts(f, "component"),
        numbers(f, "failures"),
        numbers(f, "repairs"),
        numbers(f, "exposure_unit_months"),
        numbers(f, "rate_per_1000"),
    );
    for r in 0..f.height() {
        let line = fl[r].clone().unwrap_or_default();
        rates.rows.push(vec![
            Cell::text(if line == "all" { "all".to_string() } else { t.line(&line) }),
            Cell::text(t.component(fc[r].as_deref().unwrap_or(""))),
            Cell::int(ff[r].unwrap_or(0.0) as i64),
            Cell::int(fr[r].unwrap_or(0.0) as i64),
            Cell::float(fx[r], 0),
            Cell::float(frate[r], 3),
        ]);
    }

    // Control charts: key components and any series with an alert.
    let alerted: Vec<(&str, &str)> = src
        .alerts
        .iter()
        .filter(|a| a.kind == Kind::ComponentTrend)
        .filter_map(|a| Some((a.product_line.as_deref()?, a.component.as_deref()?)))
        .collect();
    let mut trend_charts = Vec::new();
    let headers = ["product_line", "component", "exposure", "rate_per_1000", "observed", "expected", "ucl", "rule"];
    let mut trend_points =
        Table::new("trend_points", t.get("trend_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for s in trends {
        let Some(chart) = &s.chart else { continue };
        let key = config.components.iter().any(|c| c.code == s.component && c.key);
        if !key && !alerted.contains(&(s.product_line.as_str(), s.component.as_str())) {
            continue;
        }
        let n = s.months.len();
        let mut observed = vec![None; n];
        let mut expected = vec![None; n];
        let mut upper = vec![None; n];
        let mut rings = Vec::new();
        for (j, &k) in chart.points.iter().enumerate() {
            observed[k] = Some(s.observed[k]);
            expected[k] = Some(chart.expected[j]);
            upper[k] = Some(chart.upper[j]);
            if !chart.rules[j].is_empty() {
                rings.push((k, s.observed[k]));
            }
        }
        let (line_name, comp_name) =
            (drawable(t.line(&s.product_line), &s.product_line), drawable(t.component(&s.component), &s.component));
        let title = format!("{comp_name} / {line_name} ({})", chart.statistic);
        let spec = LineChart {
            title: title.clone(),
            x_label: t.get("month").into(),
            y_label: t.get("failing_units").into(),
            categories: s.months.clone(),
            lines: vec![
                Line { name: t.get("observed").into(), values: observed, color: PALETTE[0], dashed: false, dots: true },
                Line { name: t.get("expected").into(), values: expected, color: GREY, dashed: false, dots: false },
                Line { name: t.get("ucl").into(), values: upper, color: ALARM, dashed: true, dots: false },
            ],
            reference: None,
            percent: false,
            rings,
            ring_label: t.get("rule_fired").into(),
        };
        let last = chart.points.len() - 1;
        let alt = format!(
            "{title}: {} {:.0}, {} {:.1}, {} {:.1} ({})",
            t.get("observed"),
            s.observed[chart.points[last]],
            t.get("expected"),
            chart.expected[last],
            t.get("ucl"),
            chart.upper[last],
            s.months[chart.points[last]]
        );
        trend_charts.push(Chart::line(
            format!("trend-{}-{}.png", s.product_line, s.component),
            alt,
            &spec,
            (560, 280),
        )?);
        let x = s.exposure[chart.points[last]];
        trend_points.rows.push(vec![
            Cell::text(t.line(&s.product_line)),
            Cell::text(t.component(&s.component)),
            Cell::float(Some(x), 0),
            Cell::float((x > 0.0).then(|| 1000.0 * s.observed[chart.points[last]] / x), 3),
            Cell::float(Some(s.observed[chart.points[last]]), 0),
            Cell::float(Some(chart.expected[last]), 1),
            Cell::float(Some(chart.upper[last]), 1),
            Cell::text(chart.rules[last].join(",")).with_class(if chart.rules[last].is_empty() { "" } else { "bad" }),
        ]);
    }

    // Pareto of the month's failures.
    let b = src.failures_by_code;
    let (bc, bf, bn) = (texts(b, "component"), texts(b, "fault_code"), numbers(b, "failures"));
    let mut per_component: BTreeMap<String, f64> = BTreeMap::new();
    let mut per_code: BTreeMap<String, f64> = BTreeMap::new();
    for r in 0..b.height() {
        let n = bn[r].unwrap_or(0.0);
        *per_component.entry(bc[r].clone().unwrap_or_default()).or_default() += n;
        // A fault code is typed by a clerk: shown like free text.
        let code = bf[r].as_deref().map(|c| crate::text::shown(c, 40)).unwrap_or_default();
        *per_code.entry(code).or_default() += n;
    }
    let sorted = |m: BTreeMap<String, f64>| {
        let mut v: Vec<(String, f64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    };
    let per_component = sorted(per_component);
    let per_code = sorted(per_code);
    let total: f64 = per_component.iter().map(|p| p.1).sum();
    let pareto_table = |id: &str, caption: &str, first: &str, rows: &[(String, String, f64)]| {
        let mut table = Table::new(
            id,
            caption,
            vec![t.get(first).into(), t.get("failures").into(), t.get("share").into(), t.get("cumulative").into()],
        );
        let mut running = 0.0;
        for (_, label, n) in rows {
            running += n;
            table.rows.push(vec![
                Cell::text(label.clone()),
                Cell::int(*n as i64),
                Cell::pct((total > 0.0).then(|| n / total)),
                Cell::pct((total > 0.0).then(|| running / total)),
            ]);
        }
        table
    };
    let comp_rows: Vec<(String, String, f64)> =
        per_component.iter().map(|(c, n)| (c.clone(), t.component(c), *n)).collect();
    // Fault codes are input values: shown as text, drawn only when ASCII.
    let code_rows: Vec<(String, String, f64)> = per_code
        .iter()
        .map(|(c, n)| (c.clone(), if c.is_empty() { t.get("no_fault_code").to_string() } else { c.clone() }, *n))
        .collect();
    let by_component = pareto_table("failures_by_component", t.get("by_component"), "component", &comp_rows);
    let by_fault_code = pareto_table("failures_by_fault_code", t.get("by_fault_code"), "fault_code", &code_rows);
    let mut pareto_charts = Vec::new();
    for (file, title, axis, rows) in [
        ("pareto-component.png", t.get("by_component"), t.get("component"), &comp_rows),
        ("pareto-fault-code.png", t.get("by_fault_code"), t.get("fault_code"), &code_rows),
    ] {
        let bars: Vec<(String, f64)> = rows
            .iter()
            .take(12)
            .map(|(code, label, n)| {
                let fallback = if code.is_ascii() && !code.is_empty() { code.as_str() } else { "?" };
                (drawable(label.clone(), fallback), *n)
            })
            .collect();
        let spec = Pareto {
            title: format!("{} / {}", t.get("pareto_heading"), title),
            x_label: axis.into(),
            y_label: t.get("failures").into(),
            cumulative_label: t.get("cumulative").into(),
            bars: bars.clone(),
        };
        let alt = format!(
            "{}: {}",
            spec.title,
            bars.iter().map(|(l, n)| format!("{l} {n:.0}")).collect::<Vec<_>>().join(", ")
        );
        pareto_charts.push(Chart {
            file: file.into(),
            alt,
            width: 560,
            height: 320,
            png: charts::pareto(&spec, (560, 320))?,
        });
    }

    // Flagged and worst batches.
    let headers = ["batch", "product_line", "component", "units", "observed", "expected", "p_value", "severity"];
    let mut batches =
        Table::new("batches", t.get("batches_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    batches.note = Some(t.get("batches_note").into());
    let mut batch_charts = Vec::new();
    for (i, c) in src.evidence.batches.iter().enumerate() {
        let o: u64 = c.observed.iter().sum();
        let e: f64 = c.expected.iter().sum();
        let (sev, class) = match c.flagged {
            Some(Severity::Critical) => (t.get("critical"), "critical"),
            Some(Severity::Warning) => (t.get("warning"), "warning"),
            None => (t.get("worst"), ""),
        };
        batches.rows.push(vec![
            Cell::text(c.production_batch.clone()),
            Cell::text(t.line(&c.product_line)),
            Cell::text(t.component(&c.component)),
            Cell::int(c.units),
            Cell::int(o as i64),
            Cell::float(Some(e), 1),
            Cell::num(c.p_to_date, format!("{:.1e}", c.p_to_date)),
            Cell::text(sev).with_class(class),
        ]);
        let cumulate = |v: Vec<f64>| {
            let mut run = 0.0;
            v.into_iter()
                .map(|x| {
                    run += x;
                    Some(run)
                })
                .collect::<Vec<_>>()
        };
        // Batch ids are ASCII by contract; anything else is drawn as "?".
        let batch_label = if c.production_batch.is_ascii() { c.production_batch.clone() } else { "?".into() };
        let title = format!(
            "{batch_label} / {} / {}",
            drawable(t.component(&c.component), &c.component),
            drawable(t.line(&c.product_line), &c.product_line)
        );
        let spec = LineChart {
            title: title.clone(),
            x_label: t.get("months_in_service").into(),
            y_label: t.get("cumulative_failing").into(),
            categories: (0..c.observed.len()).map(|a| a.to_string()).collect(),
            lines: vec![
                Line {
                    name: t.get("observed").into(),
                    values: cumulate(c.observed.iter().map(|&v| v as f64).collect()),
                    color: if c.flagged.is_some() { ALARM } else { PALETTE[0] },
                    dashed: false,
                    dots: true,
                },
                Line {
                    name: t.get("expected").into(),
                    values: cumulate(c.expected.clone()),
                    color: GREY,
                    dashed: true,
                    dots: false,
                },
            ],
            reference: None,
            percent: false,
            rings: Vec::new(),
            ring_label: String::new(),
        };
        let alt = format!("{title}: {} {o}, {} {e:.1}", t.get("observed"), t.get("expected"));
        batch_charts.push(Chart::line(format!("batch-{}.png", i + 1), alt, &spec, (460, 260))?);
    }

    Ok(Engineering {
        rate_groups,
        rates,
        trend_charts,
        trend_points,
        pareto_charts,
        by_component,
        by_fault_code,
        batches,
        batch_charts,
    })
}

/// Examples shown per reject reason.
const EXAMPLES: usize = 3;

/// A reject's value shown as an example. The validator stores personal
/// values masked; phone-like numbers in any other column are masked here
/// too, because loads made before the validator did so are in the lake.
fn shown_value(value: &str) -> String {
    crate::text::shown(value, 200)
}

/// The data-quality page.
pub fn quality(src: &Sources, t: &Text) -> Result<Quality> {
    let dq = &src.tables.data_quality;
    let (sec, tbl, item, count, detail) =
        (texts(dq, "section"), texts(dq, "table"), texts(dq, "item"), numbers(dq, "count"), texts(dq, "detail"));

    // Rows per file of the loads M and M+1 (section `load`).
    let mut per_file: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for r in 0..dq.height() {
        if sec[r].as_deref() != Some("load") {
            continue;
        }
        let file = detail[r].clone().unwrap_or_default();
        let slot = match item[r].as_deref() {
            Some("rows_read") => 0,
            Some("rows_loaded") => 1,
            Some("rows_rejected") => 2,
            Some("fields_nulled") => 3,
            _ => continue,
        };
        per_file.entry((file, tbl[r].clone().unwrap_or_default())).or_default()[slot] += count[r].unwrap_or(0.0) as i64;
    }
    let headers = ["file", "table", "rows_read", "rows_loaded", "rows_rejected", "fields_nulled"];
    let mut loads = Table::new("loads", t.get("loads_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for ((file, table), n) in per_file {
        loads.rows.push(vec![
            Cell::text(file),
            Cell::text(table),
            Cell::int(n[0]),
            Cell::int(n[1]),
            Cell::int(n[2]).with_class(if n[2] > 0 { "bad" } else { "" }),
            Cell::int(n[3]).with_class(if n[3] > 0 { "bad" } else { "" }),
        ]);
    }

    // Reject reasons over every load, most frequent first, with examples.
    let rj = src.rejects;
    let (lm, rt, rf, rl, rc, rv, rr, rn) = (
        texts(rj, "load_month"),
        texts(rj, "table"),
        texts(rj, "source_file"),
        numbers(rj, "line"),
        texts(rj, "column"),
        texts(rj, "value"),
        texts(rj, "rule"),
        texts(rj, "reason"),
    );
    let mut reasons: BTreeMap<(String, String, String), (i64, Vec<String>)> = BTreeMap::new();
    for r in 0..rj.height() {
        let column = rc[r].clone().unwrap_or_default();
        let key = (rt[r].clone().unwrap_or_default(), column.clone(), rr[r].clone().unwrap_or_default());
        let entry = reasons.entry(key).or_default();
        entry.0 += 1;
        if entry.1.len() < EXAMPLES {
            entry.1.push(format!(
                "{} {}:{} `{}`: {}",
                lm[r].clone().unwrap_or_default(),
                rf[r].clone().unwrap_or_default(),
                rl[r].map(|l| l as i64).unwrap_or(0),
                shown_value(rv[r].as_deref().unwrap_or("")),
                crate::text::shown(rn[r].as_deref().unwrap_or(""), 200),
            ));
        }
    }
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    let headers = ["table", "column", "rule", "count", "examples"];
    let mut rejects =
        Table::new("reject_reasons", t.get("rejects_heading"), headers.iter().map(|h| t.get(h).into()).collect())
            .limit(20);
    for ((table, column, rule), (n, examples)) in reasons {
        rejects.rows.push(vec![
            Cell::text(table),
            Cell::text(column),
            Cell::text(rule),
            Cell::int(n),
            Cell::text(examples.join("\n")).with_class("pre"),
        ]);
    }

    // Every other finding of data_quality.
    let headers = ["section", "table", "item", "count", "detail"];
    let mut findings =
        Table::new("findings", t.get("findings_heading"), headers.iter().map(|h| t.get(h).into()).collect()).limit(50);
    for r in 0..dq.height() {
        let section = sec[r].clone().unwrap_or_default();
        if section == "load" || section == "reject_reason" {
            continue;
        }
        let label = t.words().get(&format!("section_{section}")).cloned().unwrap_or(section);
        findings.rows.push(vec![
            Cell::text(label),
            Cell::text(tbl[r].clone().unwrap_or_default()),
            Cell::text(item[r].clone().unwrap_or_default()),
            Cell::int(count[r].unwrap_or(0.0) as i64),
            Cell::text(crate::text::shown(detail[r].as_deref().unwrap_or(""), 200)),
        ]);
    }

    // Feedback-form reconciliation.
    let fr = &src.tables.form_reconciliation;
    let headers = ["station", "component", "reported", "recorded"];
    let mut forms =
        Table::new("form_reconciliation", t.get("forms_heading"), headers.iter().map(|h| t.get(h).into()).collect())
            .limit(50);
    forms.note = Some(t.get("forms_note").into());
    let (fs, fc, frep, frec) =
        (texts(fr, "station_id"), texts(fr, "component"), numbers(fr, "reported"), numbers(fr, "recorded"));
    for r in 0..fr.height() {
        forms.rows.push(vec![
            Cell::text(fs[r].clone().unwrap_or_default()),
            Cell::text(t.component(fc[r].as_deref().unwrap_or(""))),
            match frep[r] {
                Some(v) => Cell::int(v as i64),
                None => Cell::text(t.get("no_form")).with_class("bad"),
            },
            Cell::int(frec[r].unwrap_or(0.0) as i64),
        ]);
    }

    // Claim audit.
    let ca = &src.tables.claim_audit;
    let headers =
        ["repair_id", "station", "serial", "component", "cause", "reported_at", "reason", "labor_cost", "parts_cost"];
    let mut audit =
        Table::new("claim_audit", t.get("audit_heading"), headers.iter().map(|h| t.get(h).into()).collect()).limit(50);
    let (labor, parts) = (cents(ca, "labor_cost"), cents(ca, "parts_cost"));
    let (cid, cst, cse, cco, ccause, cat, creason) = (
        texts(ca, "repair_id"),
        texts(ca, "station_id"),
        texts(ca, "serial"),
        texts(ca, "component"),
        texts(ca, "cause"),
        texts(ca, "reported_at"),
        texts(ca, "reason"),
    );
    let mut recoverable: i128 = 0;
    for r in 0..ca.height() {
        let (l, p) = (labor[r].unwrap_or(0), parts[r].unwrap_or(0));
        recoverable += l + p;
        let reason = creason[r].clone().unwrap_or_default();
        audit.rows.push(vec![
            Cell::text(cid[r].clone().unwrap_or_default()),
            Cell::text(cst[r].clone().unwrap_or_default()),
            Cell::text(cse[r].clone().unwrap_or_default()),
            Cell::text(t.component(cco[r].as_deref().unwrap_or(""))),
            Cell::text(t.cause(ccause[r].as_deref().unwrap_or(""))),
            Cell::text(cat[r].clone().unwrap_or_default().chars().take(16).collect::<String>()),
            Cell::text(t.words().get(&format!("reason_{reason}")).cloned().unwrap_or(reason)),
            Cell::money(Some(l)),
            Cell::money(Some(p)),
        ]);
    }

    // Rejects and nulled fields per load, over every load of the lake.
    let load_months: Vec<String> = src.manifests.iter().map(|m| m.load_month.clone()).collect();
    let per_load = |f: fn(&crate::lake::manifest::ManifestFile) -> u64| -> Vec<Option<f64>> {
        src.manifests.iter().map(|m| Some(m.files.iter().map(f).sum::<u64>() as f64)).collect()
    };
    let (rejected, nulled) = (per_load(|f| f.rows_rejected), per_load(|f| f.fields_nulled));
    let spec = LineChart {
        title: t.get("rejects_trend").into(),
        x_label: t.get("load_month").into(),
        y_label: t.get("rows").into(),
        categories: load_months.clone(),
        lines: vec![
            Line {
                name: t.get("rows_rejected").into(),
                values: rejected.clone(),
                color: ALARM,
                dashed: false,
                dots: true,
            },
            Line {
                name: t.get("fields_nulled").into(),
                values: nulled.clone(),
                color: PALETTE[0],
                dashed: false,
                dots: true,
            },
        ],
        reference: None,
        percent: false,
        rings: Vec::new(),
        ring_label: String::new(),
    };
    let total = |v: &[Option<f64>]| v.iter().flatten().sum::<f64>();
    let alt = format!(
        "{}: {} – {}, {} {:.0}, {} {:.0}",
        t.get("rejects_trend"),
        load_months.first().cloned().unwrap_or_default(),
        load_months.last().cloned().unwrap_or_default(),
        t.get("rows_rejected"),
        total(&rejected),
        t.get("fields_nulled"),
        total(&nulled)
    );
    let load_chart = Chart::line("loads.png".into(), alt, &spec, (720, 280))?;

    // The load manifest.
    let headers =
        ["load_month", "loaded_at", "file", "table", "encoding", "bytes", "rows_read", "rows_rejected", "sha256"];
    let mut manifest =
        Table::new("manifest", t.get("manifest_heading"), headers.iter().map(|h| t.get(h).into()).collect());
    for m in src.manifests.iter().rev() {
        for f in &m.files {
            manifest.rows.push(vec![
                Cell::text(m.load_month.clone()),
                Cell::text(m.loaded_at.clone()),
                Cell::text(f.name.clone()),
                Cell::text(f.table.clone().unwrap_or_default()),
                Cell::text(f.encoding.clone()),
                Cell::int(f.bytes as i64),
                Cell::int(f.rows_read as i64),
                Cell::int(f.rows_rejected as i64).with_class(if f.rows_rejected > 0 { "bad" } else { "" }),
                Cell::text(f.sha256.clone()).with_class("hash"),
            ]);
        }
    }
    manifest = manifest.limit(60);

    Ok(Quality { load_chart, loads, rejects, findings, forms, audit, recoverable: money_text(recoverable), manifest })
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    #[test]
    fn league_ranks_by_kpis_missed_then_shortfall() {
        let t = Text::new(super::super::Lang::En, &Config::defaults());
        // S1 misses two KPIs: response 0.90 vs ≥ 1.00 (10 pts) and repeat
        // 0.05 vs ≤ 0.02 (3 pts): shortfall 13. S2 misses one by 20 pts,
        // S3 one by 5 pts, S4 none.
        let kpis = df![
            "station_id" => ["S1", "S1", "S2", "S2", "S3", "S3", "S4", "S4"],
            "kpi" => ["response_24h", "repeat_repair", "response_24h", "repeat_repair", "response_24h", "repeat_repair", "response_24h", "repeat_repair"],
            "value" => [Some(0.90), Some(0.05), Some(0.80), Some(0.0), Some(0.95), Some(0.01), Some(1.0), None],
            "target" => [1.0, 0.02, 1.0, 0.02, 1.0, 0.02, 1.0, 0.02],
            "direction" => ["at_least", "at_most", "at_least", "at_most", "at_least", "at_most", "at_least", "at_most"],
            "met" => [Some(false), Some(false), Some(false), Some(true), Some(false), Some(true), Some(true), None],
        ]
        .unwrap();
        let complaints = df!["station_id" => ["S3"], "complaints" => [2i64]].unwrap();
        let table = league_table(&kpis, &complaints, &t);
        let col = |c: usize| table.rows.iter().map(|r| r[c].text.clone()).collect::<Vec<_>>();
        assert_eq!(col(1), ["S1", "S2", "S3", "S4"]);
        assert_eq!(col(2), ["2", "1", "1", "0"]);
        assert_eq!(col(3), ["13.0", "20.0", "5.0", "0.0"]);
        assert_eq!(table.headers[4..], ["24 h response", "Repeat repairs", "Complaints"]);
        assert_eq!(col(4), ["90.0%", "80.0%", "95.0%", "100.0%"]);
        assert_eq!(col(6), ["0", "0", "2", "0"]);
        assert_eq!(table.rows[0][4].class, "num bad");
        assert_eq!(table.rows[3][5].text, "–", "no value, no data");
    }
}
