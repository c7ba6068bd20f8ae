//! The terminal summary `qfb run` ends with: each KPI against its target,
//! the five components with the highest failure rate (with the change from
//! last month), the ten worst batches with at least `alerts.min_failures` failures, the
//! stations that missed the most KPIs, and one data-quality line. Renders
//! into any `io::Write`.

use std::io::{self, Write};

use polars::prelude::*;

use crate::text::pad;

use super::columns::{numbers, texts};
use super::{Month, Tables};

/// A column's values as text, a null as "".
fn strs(df: &DataFrame, c: &str) -> Vec<String> {
    texts(df, c).into_iter().map(Option::unwrap_or_default).collect()
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "n/a".into())
}

/// `min_failures`: the failing units a batch needs to be listed (the
/// alerts' `alerts.min_failures`).
pub fn render(
    out: &mut impl Write,
    month: &Month,
    t: &Tables,
    previous: Option<&DataFrame>,
    min_failures: u64,
) -> io::Result<()> {
    let status = if month.provisional { "provisional: drop M+1 not loaded yet" } else { "complete" };
    writeln!(out, "\nqfb summary for {} ({status})", month.label)?;

    writeln!(out, "\nKPIs")?;
    let k = &t.kpis;
    let (names, dirs) = (strs(k, "kpi"), strs(k, "direction"));
    let (num, den, val, tgt) =
        (numbers(k, "numerator"), numbers(k, "denominator"), numbers(k, "value"), numbers(k, "target"));
    let met = strs(k, "met");
    for i in 0..k.height() {
        let sign = if dirs[i] == "at_most" { "≤" } else { "≥" };
        let verdict = match met[i].as_str() {
            "true" => "met",
            "false" => "MISSED",
            _ => "no data",
        };
        writeln!(
            out,
            "  {:<22} {:>7}  target {sign} {:>6}  {:<7} ({}/{})",
            names[i],
            pct(val[i]),
            pct(tgt[i]),
            verdict,
            num[i].unwrap_or(0.0),
            den[i].unwrap_or(0.0)
        )?;
    }

    writeln!(
        out,
        "\nComponents with the highest failure rate (failing units per 1000 unit-months in warranty, all lines)"
    )?;
    let f = &t.failure_rates;
    let (lines, comps, rates, fails) =
        (strs(f, "product_line"), strs(f, "component"), numbers(f, "rate_per_1000"), numbers(f, "failures"));
    let prev_rate = |c: &str| -> Option<f64> {
        let p = previous?;
        let (pl, pc, pr) = (strs(p, "product_line"), strs(p, "component"), numbers(p, "rate_per_1000"));
        (0..p.height()).find(|&i| pl[i] == "all" && pc[i] == c).and_then(|i| pr[i])
    };
    let mut all: Vec<usize> = (0..f.height()).filter(|&i| lines[i] == "all" && rates[i].is_some()).collect();
    all.sort_by(|&a, &b| {
        rates[b].partial_cmp(&rates[a]).unwrap_or(std::cmp::Ordering::Equal).then(comps[a].cmp(&comps[b]))
    });
    for &i in all.iter().take(5) {
        let change = match (rates[i], prev_rate(&comps[i])) {
            (Some(now), Some(before)) => format!("{:+.2} vs last month", now - before),
            _ => "no rate last month".into(),
        };
        writeln!(
            out,
            "  {} {:>6.2}  {:>4} failing units  {change}",
            pad(&comps[i], 16),
            rates[i].unwrap_or(0.0),
            fails[i].unwrap_or(0.0)
        )?;
    }

    writeln!(
        out,
        "\nBatches with the highest failure rate (at least {min_failures} failures; per 1000 unit-years, to the end of the month)"
    )?;
    let b = &t.batch_failure_rates;
    let (bl, bb, bc) = (strs(b, "product_line"), strs(b, "production_batch"), strs(b, "component"));
    let (bu, bf, br) = (numbers(b, "units"), numbers(b, "failures"), numbers(b, "rate_per_1000_unit_years"));
    let mut idx: Vec<usize> =
        (0..b.height()).filter(|&i| bf[i].unwrap_or(0.0) >= min_failures as f64 && br[i].is_some()).collect();
    idx.sort_by(|&x, &y| br[y].partial_cmp(&br[x]).unwrap_or(std::cmp::Ordering::Equal).then(bb[x].cmp(&bb[y])));
    for &i in idx.iter().take(10) {
        writeln!(
            out,
            "  {} {} {} {:>8.1}  {:>4} failing of {:>5} units",
            pad(&bb[i], 12),
            pad(&bl[i], 19),
            pad(&bc[i], 15),
            br[i].unwrap_or(0.0),
            bf[i].unwrap_or(0.0),
            bu[i].unwrap_or(0.0)
        )?;
    }

    writeln!(out, "\nStations that missed the most KPIs")?;
    let s = &t.station_kpis;
    let (sid, skpi, smet) = (strs(s, "station_id"), strs(s, "kpi"), strs(s, "met"));
    let mut missed: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for i in 0..s.height() {
        if smet[i] == "false" {
            missed.entry(sid[i].as_str()).or_default().push(skpi[i].as_str());
        }
    }
    let mut ranked: Vec<_> = missed.into_iter().collect();
    ranked.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (station, kpis) in ranked.iter().take(5) {
        writeln!(out, "  {} {} missed: {}", pad(station, 8), kpis.len(), kpis.join(", "))?;
    }
    if ranked.is_empty() {
        writeln!(out, "  none")?;
    }

    let d = &t.data_quality;
    let (sec, item, cnt) = (strs(d, "section"), strs(d, "item"), numbers(d, "count"));
    let sum = |f: &dyn Fn(usize) -> bool| -> i64 {
        (0..d.height()).filter(|&i| f(i)).map(|i| cnt[i].unwrap_or(0.0) as i64).sum()
    };
    writeln!(
        out,
        "\nData quality: {} rows rejected and {} fields nulled in loads {} and {}; {} orphan references; {} records whose KPI evidence changed after first load",
        sum(&|i| sec[i] == "load" && item[i] == "rows_rejected"),
        sum(&|i| sec[i] == "load" && item[i] == "fields_nulled"),
        month.label,
        month.next,
        sum(&|i| sec[i] == "orphan"),
        sum(&|i| sec[i] == "kpi_evidence_changed"),
    )?;
    Ok(())
}
