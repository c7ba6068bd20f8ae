//! `kpi_breach`: a company KPI that misses its target is a warning. A
//! station breach needs at least `MIN_DENOMINATOR` events and a one-sided
//! binomial test against the target that rejects at `STATION_ALPHA`; a
//! station that breaches the same KPI three months running is critical.
//! Grain: one alert per (KPI) and per (station, KPI).

use polars::prelude::*;

use super::stats::binomial_cdf;
use super::{Alert, Kind, Severity};
use crate::metrics::Month;

pub const MIN_DENOMINATOR: i64 = 20;
pub const STATION_ALPHA: f64 = 0.01;

struct Row {
    station: Option<String>,
    kpi: String,
    num: i64,
    den: i64,
    value: Option<f64>,
    target: f64,
    at_least: bool,
    met: Option<bool>,
}

fn rows(df: &DataFrame, with_station: bool) -> PolarsResult<Vec<Row>> {
    let s = |c: &str| -> PolarsResult<StringChunked> { Ok(df.column(c)?.cast(&DataType::String)?.str()?.clone()) };
    let i = |c: &str| -> PolarsResult<Int64Chunked> { Ok(df.column(c)?.i64()?.clone()) };
    let f = |c: &str| -> PolarsResult<Float64Chunked> { Ok(df.column(c)?.f64()?.clone()) };
    let (kpi, dir) = (s("kpi")?, s("direction")?);
    let station = if with_station { Some(s("station_id")?) } else { None };
    let (num, den, value, target) = (i("numerator")?, i("denominator")?, f("value")?, f("target")?);
    let met = df.column("met")?.bool()?.clone();
    Ok((0..df.height())
        .map(|r| Row {
            station: station.as_ref().and_then(|s| s.get(r)).map(String::from),
            kpi: kpi.get(r).unwrap_or("").to_string(),
            num: num.get(r).unwrap_or(0),
            den: den.get(r).unwrap_or(0),
            value: value.get(r),
            target: target.get(r).unwrap_or(0.0),
            at_least: dir.get(r) == Some("at_least"),
            met: met.get(r),
        })
        .collect())
}

/// p-value of "the station's true rate is on the wrong side of the target".
fn breach_p(r: &Row) -> f64 {
    let (n, x) = (r.den as u64, r.num as u64);
    if r.at_least {
        binomial_cdf(x, n, r.target)
    } else if x == 0 {
        1.0
    } else {
        // P(X ≥ x) for an at-most KPI.
        1.0 - binomial_cdf(x - 1, n, r.target)
    }
}

/// `kpis` and `station_kpis` of M; `history`: the station_kpis of M-1 and
/// M-2 when known, for escalation.
pub fn kpi_alerts(
    kpis: &DataFrame,
    station_kpis: &DataFrame,
    history: &[DataFrame],
    month: &Month,
) -> PolarsResult<Vec<Alert>> {
    let mut alerts = Vec::new();
    for r in rows(kpis, false)? {
        if r.met != Some(false) {
            continue;
        }
        let message = format!(
            "Company {} is {:.1}% against a target of {} {:.1}% ({} of {})",
            r.kpi,
            r.value.unwrap_or(0.0) * 100.0,
            if r.at_least { "at least" } else { "at most" },
            r.target * 100.0,
            r.num,
            r.den
        );
        let mut a = Alert::new(Kind::KpiBreach, Severity::Warning, &month.label, month.provisional, message);
        a.kpi = Some(r.kpi.clone());
        a.observed = r.value;
        a.expected = Some(r.target);
        a.rule = Some("target".into());
        a.details = Some(format!("numerator {}, denominator {}", r.num, r.den));
        alerts.push(a.with_id());
    }
    let breached = |r: &Row| r.den >= MIN_DENOMINATOR && r.met == Some(false) && breach_p(r) < STATION_ALPHA;
    let past: Vec<Vec<Row>> = history.iter().map(|h| rows(h, true)).collect::<PolarsResult<_>>()?;
    for r in rows(station_kpis, true)? {
        if !breached(&r) {
            continue;
        }
        let running = past.len() >= 2
            && past.iter().all(|p| p.iter().any(|q| q.station == r.station && q.kpi == r.kpi && breached(q)));
        let severity = if running { Severity::Critical } else { Severity::Warning };
        let p = breach_p(&r);
        let station = r.station.clone().unwrap_or_default();
        let message = format!(
            "Station {station} {} is {:.1}% against {:.1}% ({} of {}){}",
            r.kpi,
            r.value.unwrap_or(0.0) * 100.0,
            r.target * 100.0,
            r.num,
            r.den,
            if running { ", the third month running" } else { "" }
        );
        let mut a = Alert::new(Kind::KpiBreach, severity, &month.label, month.provisional, message);
        a.station_id = Some(station);
        a.kpi = Some(r.kpi.clone());
        a.observed = r.value;
        a.expected = Some(r.target);
        a.statistic = Some("binomial".into());
        a.p_value = Some(p);
        a.rule = Some(if running { "binomial<0.01,3_months".into() } else { "binomial<0.01".into() });
        a.details = Some(format!("numerator {}, denominator {}", r.num, r.den));
        alerts.push(a.with_id());
    }
    Ok(alerts)
}
