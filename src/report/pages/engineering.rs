//! The engineers' page: failure rates by component and line, Paretos by
//! component and fault code, the batches and the alerts' evidence, and
//! the life data (`life`).

use super::*;

/// The engineering page: failure-rate trends, control charts, Pareto
/// charts and the flagged and worst batches.

pub fn engineering(src: &Sources, t: &Text) -> Result<Engineering> {
    let (trend_charts, trend_points) = control_charts(src, t)?;
    let (pareto_charts, by_component, by_fault_code) = paretos(src, t)?;
    let (batches, batch_charts) = batches(src, t)?;
    Ok(Engineering {
        rate_groups: rate_groups(src, t)?,
        rates: rates(src, t),
        trend_charts,
        trend_points,
        pareto_charts,
        by_component,
        by_fault_code,
        batches,
        batch_charts,
        life: super::life::life_section(src, t)?,
        forecast: super::forecast::engineering_section(src, t)?,
    })
}

/// Failing units per 1,000 unit-months, per line: key components, then the rest.
fn rate_groups(src: &Sources, t: &Text) -> Result<Vec<RateGroup>> {
    let config = src.config;
    let trends = &src.evidence.trends;
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
                counts: false,
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
    Ok(rate_groups)
}

/// The month's failure rates.
fn rates(src: &Sources, t: &Text) -> Table {
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
    rates
}

/// Control charts: key components and any series with an alert.
fn control_charts(src: &Sources, t: &Text) -> Result<(Vec<Chart>, Table)> {
    let config = src.config;
    let trends = &src.evidence.trends;
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
            counts: false,
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
    Ok((trend_charts, trend_points))
}

/// Paretos of the month's failures, by component and by fault code.
fn paretos(src: &Sources, t: &Text) -> Result<(Vec<Chart>, Table, Table)> {
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
    Ok((pareto_charts, by_component, by_fault_code))
}

/// Flagged and worst batches.
fn batches(src: &Sources, t: &Text) -> Result<(Table, Vec<Chart>)> {
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
            counts: false,
        };
        let alt = format!("{title}: {} {o}, {} {e:.1}", t.get("observed"), t.get("expected"));
        batch_charts.push(Chart::line(format!("batch-{}.png", i + 1), alt, &spec, (460, 260))?);
    }
    Ok((batches, batch_charts))
}
