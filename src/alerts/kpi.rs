//! `kpi_breach`: a company KPI that misses its target is a warning. A
//! station breach needs at least `station_min_denominator` events (20) and
//! a one-sided binomial test against the target that rejects at
//! `station_alpha` (0.01); a station that breaches the same KPI
//! `escalate_months` (3) months running is critical.
//! Grain: one alert per (KPI) and per (station, KPI).

use polars::prelude::*;

use super::stats::binomial_cdf;
use super::{Alert, Kind, Severity};
use crate::config::Config;
use crate::month::Month;

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
    let s = |c: &str| crate::metrics::columns::strings(df, c);
    let i = |c: &str| crate::metrics::columns::ints(df, c);
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

/// `kpis` and `station_kpis` of M; `history`: the station_kpis of the months
/// before M, latest first, for escalation.
pub fn kpi_alerts(
    kpis: &DataFrame,
    station_kpis: &DataFrame,
    history: &[DataFrame],
    month: &Month,
    config: &Config,
) -> PolarsResult<Vec<Alert>> {
    let settings = &config.alerts;
    let mut alerts = Vec::new();
    for r in rows(kpis, false)? {
        if r.met != Some(false) {
            continue;
        }
        let mut a = Alert::new(Kind::KpiBreach, Severity::Warning, &month.label, month.provisional, String::new());
        a.kpi = Some(r.kpi.clone());
        a.observed = r.value;
        a.expected = Some(r.target);
        a.rule = Some("target".into());
        alerts.push(a.with_counts(r.num, r.den).worded(config).with_id());
    }
    let breached = |r: &Row| {
        r.den >= settings.station_min_denominator && r.met == Some(false) && breach_p(r) < settings.station_alpha
    };
    let needed = settings.escalate_months - 1;
    let past: Vec<Vec<Row>> = history.iter().map(|h| rows(h, true)).collect::<PolarsResult<_>>()?;
    for r in rows(station_kpis, true)? {
        if !breached(&r) {
            continue;
        }
        let running = past.len() >= needed
            && past[..needed].iter().all(|p| p.iter().any(|q| q.station == r.station && q.kpi == r.kpi && breached(q)));
        let severity = if running { Severity::Critical } else { Severity::Warning };
        let p = breach_p(&r);
        let station = r.station.clone().unwrap_or_default();
        let mut a = Alert::new(Kind::KpiBreach, severity, &month.label, month.provisional, String::new());
        a.station_id = Some(station);
        a.kpi = Some(r.kpi.clone());
        a.observed = r.value;
        a.expected = Some(r.target);
        a.statistic = Some("binomial".into());
        a.p_value = Some(p);
        a.rule =
            Some(if running { format!("binomial,{}_months", settings.escalate_months) } else { "binomial".into() });
        alerts.push(a.with_counts(r.num, r.den).worded(config).with_id());
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station_frame(num: i64, den: i64) -> DataFrame {
        let v = num as f64 / den as f64;
        df![
            "month" => ["m"], "station_id" => ["S1"], "kpi" => ["response_24h"], "numerator" => [num],
            "denominator" => [den], "value" => [v], "target" => [1.0], "direction" => ["at_least"], "met" => [v >= 1.0],
            "provisional" => [false],
        ]
        .unwrap()
    }

    fn company_frame() -> DataFrame {
        df![
            "month" => ["m"], "kpi" => ["response_24h"], "numerator" => [1i64], "denominator" => [1i64], "value" => [1.0],
            "target" => [1.0], "direction" => ["at_least"], "met" => [true], "provisional" => [false],
        ]
        .unwrap()
    }

    #[test]
    fn station_breaches_need_evidence_and_escalate_after_three_months() {
        let config = Config::defaults();
        let month = Month::new("2026-09", Some("2026-10")).unwrap();
        let run = |now: DataFrame, history: Vec<DataFrame>| {
            kpi_alerts(&company_frame(), &now, &history, &month, &config).unwrap()
        };
        // 19 events: below the minimum denominator, however bad.
        assert!(run(station_frame(10, 19), vec![]).is_empty());
        // 20 events, 19 in time against a 100% target: P(X <= 19 | p = 1) = 0.
        let a = run(station_frame(19, 20), vec![]);
        assert_eq!((a.len(), a[0].severity, a[0].p_value), (1, Severity::Warning, Some(0.0)));
        assert_eq!(a[0].id, "2026-09/kpi_breach/-/-/-/S1/response_24h");
        // Breached in the two months before as well: critical.
        let a = run(station_frame(19, 20), vec![station_frame(18, 25), station_frame(20, 30)]);
        assert_eq!((a[0].severity, a[0].rule.as_deref()), (Severity::Critical, Some("binomial,3_months")));
        // One clean month in between breaks the run.
        let a = run(station_frame(19, 20), vec![station_frame(25, 25), station_frame(20, 30)]);
        assert_eq!(a[0].severity, Severity::Warning);
    }
}
