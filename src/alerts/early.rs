//! `early_failure`: does a production batch fail within its first days in
//! service (out-of-box quality: a manufacturing or shipping problem) more
//! often than its product line? Grain: one alert per (product line, batch)
//! at most, from the `early_failures` table.
//!
//! A batch's early-failing units x of n past the window are tested with an
//! exact binomial tail P(X ≥ x) against the rate of the other batches of
//! its line (the batch left out, so a bad batch does not raise its own
//! baseline), smoothed by one failure in two units so that a line with no
//! other early failure gives a finite, not a zero, p-value. The false-alarm
//! discipline is the batch alerts': `critical` is family-wise over every
//! batch tested in the run (Šidák at `alerts.critical_alpha`) and needs a
//! baseline of `alerts.min_baseline_batches` other batches; `warning` is
//! Benjamini–Hochberg at `alerts.warning_fdr`; a test needs
//! `alerts.min_failures` failing units.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::stats::{benjamini_hochberg, binomial_sf, sidak};
use super::{Alert, Kind, Severity};
use crate::config::Config;
use crate::metrics::columns::{ints, strings};
use crate::month::Month;

/// One batch's early-failure count.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub line: String,
    pub batch: String,
    pub units: i64,
    pub past: u64,
    pub failures: u64,
}

/// A tested batch: its baseline rate and tail probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Tested {
    pub batch: Batch,
    pub expected: f64,
    pub p: f64,
    pub baseline_batches: usize,
}

/// Every batch with units past the window, tested against its line.
pub fn test(batches: &[Batch]) -> Vec<Tested> {
    let mut lines: BTreeMap<&str, (u64, u64, usize)> = BTreeMap::new();
    for b in batches {
        let t = lines.entry(b.line.as_str()).or_default();
        t.0 += b.failures;
        t.1 += b.past;
        t.2 += 1;
    }
    batches
        .iter()
        .filter(|b| b.past > 0)
        .map(|b| {
            let (f, n, k) = lines[b.line.as_str()];
            let p0 = (f - b.failures) as f64 + 1.0;
            let p0 = p0 / ((n - b.past) as f64 + 2.0);
            Tested {
                batch: b.clone(),
                expected: b.past as f64 * p0,
                p: binomial_sf(b.failures, b.past, p0),
                baseline_batches: k - 1,
            }
        })
        .collect()
}

/// Read the `early_failures` table.
pub fn batches(table: &DataFrame) -> PolarsResult<Vec<Batch>> {
    let (l, b) = (strings(table, "product_line")?, strings(table, "production_batch")?);
    let (u, n, x) = (ints(table, "units")?, ints(table, "units_past_15d")?, ints(table, "early_failures")?);
    Ok((0..table.height())
        .filter_map(|i| {
            Some(Batch {
                line: l.get(i)?.to_string(),
                batch: b.get(i)?.to_string(),
                units: u.get(i).unwrap_or(0),
                past: n.get(i)?.max(0) as u64,
                failures: x.get(i)?.max(0) as u64,
            })
        })
        .collect())
}

/// The early-failure alerts of `month`, from its `early_failures` table.
pub fn early_alerts(table: &DataFrame, month: &Month, config: &Config) -> PolarsResult<Vec<Alert>> {
    let tested = test(&batches(table)?);
    let a = &config.alerts;
    let critical_level = sidak(a.critical_alpha, tested.len());
    let ps: Vec<f64> = tested.iter().map(|t| if t.batch.failures >= a.min_failures { t.p } else { 1.0 }).collect();
    let discovered = benjamini_hochberg(&ps, a.warning_fdr);
    let mut alerts = Vec::new();
    for (t, bh) in tested.iter().zip(discovered) {
        if t.batch.failures < a.min_failures {
            continue;
        }
        let severity = if t.p < critical_level && t.baseline_batches >= a.min_baseline_batches {
            Severity::Critical
        } else if bh {
            Severity::Warning
        } else {
            continue;
        };
        let mut alert = Alert::new(Kind::EarlyFailure, severity, &month.label, month.provisional, String::new());
        alert.product_line = Some(t.batch.line.clone());
        alert.production_batch = Some(t.batch.batch.clone());
        alert.observed = Some(t.batch.failures as f64);
        alert.expected = Some(t.expected);
        alert.statistic = Some("binomial".into());
        alert.p_value = Some(t.p);
        alert.rule = Some(format!("early<{}d", config.agreement.early_failure_days));
        alert.batch_units = Some(t.batch.units);
        alert.units_affected = Some(t.batch.past as i64);
        alerts.push(alert.worded(config).with_id());
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(line: &str, id: &str, past: u64, failures: u64) -> Batch {
        Batch { line: line.into(), batch: id.into(), units: past as i64, past, failures }
    }

    #[test]
    fn leave_one_out_baseline_and_exact_tail() {
        // Line h: 5 other batches of 1000 units with 2 early failures each
        // (10 of 5000), and B6 with 9 of 1000.
        let mut v: Vec<Batch> = (1..=5).map(|i| batch("h", &format!("B{i}"), 1000, 2)).collect();
        v.push(batch("h", "B6", 1000, 9));
        let t = test(&v);
        let b6 = t.iter().find(|t| t.batch.batch == "B6").unwrap();
        // p0 = (10 + 1) / (5000 + 2).
        let p0 = 11.0 / 5002.0;
        assert!((b6.expected - 1000.0 * p0).abs() < 1e-12);
        assert_eq!(b6.baseline_batches, 5);
        // P(X >= 9 | 1000, p0) = 1 - P(X <= 8), summed directly.
        let mut cdf = 0.0;
        let mut pmf = (1.0 - p0).powi(1000);
        for k in 0..=8u32 {
            cdf += pmf;
            pmf *= (1000 - k) as f64 / (k + 1) as f64 * p0 / (1.0 - p0);
        }
        assert!((b6.p - (1.0 - cdf)).abs() < 1e-12, "{} vs {}", b6.p, 1.0 - cdf);
        let b1 = t.iter().find(|t| t.batch.batch == "B1").unwrap();
        // B1's baseline: (8 + 9 + 1) / (5000 + 2).
        assert!((b1.expected - 1000.0 * 18.0 / 5002.0).abs() < 1e-12);
    }

    #[test]
    fn tiers_follow_the_batch_alerts() {
        let month = Month::new("2026-09", Some("2026-10")).unwrap();
        let config = Config::defaults();
        let mut v: Vec<Batch> = (1..=5).map(|i| batch("household", &format!("B{i}"), 1000, 2)).collect();
        v.push(batch("household", "B6", 1000, 12));
        // A thin line: one other batch, so at most a warning.
        v.push(batch("commercial_deluxe", "D1", 500, 1));
        v.push(batch("commercial_deluxe", "D2", 500, 9));
        // Two failures: below min_failures, never an alert.
        v.push(batch("commercial_economy", "E1", 10, 2));
        v.push(batch("commercial_economy", "E2", 1000, 0));
        let table = df![
            "product_line" => v.iter().map(|b| b.line.clone()).collect::<Vec<_>>(),
            "production_batch" => v.iter().map(|b| b.batch.clone()).collect::<Vec<_>>(),
            "units" => v.iter().map(|b| b.units).collect::<Vec<_>>(),
            "units_past_15d" => v.iter().map(|b| b.past as i64).collect::<Vec<_>>(),
            "early_failures" => v.iter().map(|b| b.failures as i64).collect::<Vec<_>>(),
        ]
        .unwrap();
        let alerts = early_alerts(&table, &month, &config).unwrap();
        let got: Vec<(String, Severity)> =
            alerts.iter().map(|a| (a.production_batch.clone().unwrap(), a.severity)).collect();
        assert_eq!(got, [("B6".to_string(), Severity::Critical), ("D2".to_string(), Severity::Warning)]);
        assert_eq!(alerts[0].id, "2026-09/early_failure/household/B6/-/-/-");
        assert_eq!(alerts[0].rule.as_deref(), Some("early<15d"));
    }
}
