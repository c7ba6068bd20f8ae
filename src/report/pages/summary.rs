//! The managers' page: the KPI tiles against their targets, the month's
//! alerts, the station league, and the warranty forecast (`forecast`).

use super::wording::{details, message};
use super::*;

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
            counts: false,
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
        forecast: super::forecast::summary_section(src, t)?,
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
            Kind::EarlyFailure => "kind_early_failure",
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

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    #[test]
    fn league_ranks_by_kpis_missed_then_shortfall() {
        let t = Text::new(crate::report::Lang::En, &Config::defaults());
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
