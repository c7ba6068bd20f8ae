//! Predicted failures from a fitted life distribution, as Minitab's and
//! Weibull++'s warranty prediction make them: a unit still working at age t
//! fails within the next Δ with probability [F(t+Δ) − F(t)] / R(t), and a
//! new unit starting at the beginning of a future period reaches age
//! (periods left) by the horizon. Grain: cumulative expected failures per
//! period ahead, with an exact (Garwood) Poisson interval. Pure arithmetic.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::weibull::Fit;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Predicted {
    pub month_ahead: u32,
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The exact Poisson interval for an expected count `s` at two-sided
/// `confidence`: χ²(α/2; 2s)/2 to χ²(1−α/2; 2s+2)/2 (Minitab's, with the
/// expected count in place of an observed one).
pub fn poisson_interval(s: f64, confidence: f64) -> (f64, f64) {
    let alpha = 1.0 - confidence;
    let q = |p: f64, df: f64| ChiSquared::new(df).map(|d| d.inverse_cdf(p)).unwrap_or(f64::NAN);
    let lower = if s > 0.0 { q(alpha / 2.0, 2.0 * s) / 2.0 } else { 0.0 };
    (lower, q(1.0 - alpha / 2.0, 2.0 * s + 2.0) / 2.0)
}

/// Cumulative expected failures 1..=`periods` periods ahead (one period
/// is one unit of the data's time) of the units `at_risk` — (age, count),
/// still working — plus `new_units` starting at the beginning of each
/// future period.
pub fn predict(fit: &Fit, at_risk: &[(f64, f64)], periods: u32, new_units: f64, confidence: f64) -> Vec<Predicted> {
    let f = |t: f64| 1.0 - fit.reliability(t);
    (1..=periods)
        .map(|h| {
            let d = h as f64;
            let old: f64 = at_risk.iter().map(|&(t, n)| n * (f(t + d) - f(t)) / fit.reliability(t)).sum();
            let new: f64 = (0..h).map(|j| new_units * f((h - j) as f64)).sum();
            let expected = old + new;
            let (lower, upper) = poisson_interval(expected, confidence);
            Predicted { month_ahead: h, expected, lower, upper }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::life::data::parse;
    use crate::life::weibull::fit;

    /// Minitab's "CompressorFailures" warranty example (issue #14; Minitab
    /// Support, "Table of predicted number of failures"): 12 shipments of
    /// 1000 units, fitted as interval data, 1000 new units a month.
    #[test]
    fn minitab_compressor_example() {
        let text = include_str!("../../tests/reference/life/interval_compressor.csv");
        let data = parse(text).unwrap();
        let f = fit(&data.obs).unwrap();
        let got = predict(&f, &data.at_risk(), 5, 1000.0, 0.95);
        let minitab = [
            (13.1073, 7.0000, 22.3660),
            (27.4930, 18.1933, 39.8678),
            (43.1798, 31.2722, 58.1271),
            (60.1892, 45.9516, 77.4449),
            (78.5416, 62.1373, 97.9488),
        ];
        for (g, (e, lo, hi)) in got.iter().zip(minitab) {
            assert!((g.expected - e).abs() < 1e-4, "{g:?}");
            assert!((g.lower - lo).abs() < 1e-4 && (g.upper - hi).abs() < 1e-4, "{g:?}");
        }
    }

    #[test]
    fn nothing_expected_has_a_zero_lower_bound() {
        let (lo, hi) = poisson_interval(0.0, 0.95);
        assert_eq!(lo, 0.0);
        // χ²(0.975; 2)/2 = −ln(0.025) = 3.688879.
        assert!((hi - 3.688_879).abs() < 1e-6);
    }
}
