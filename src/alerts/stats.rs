//! The statistics behind the alerts, as pure functions: exact one-sided
//! tails (Poisson, negative binomial, Poisson-lognormal, binomial), Shewhart charts (c, p, u
//! and Laney u′), Western Electric run rules on the upper side, and the
//! two false-alarm controls (Šidák family-wise, Benjamini–Hochberg FDR).
//! Tested against published values (Montgomery's examples as in qcc).

use statrs::function::{beta::beta_reg, gamma::gamma_lr};

/// P(X ≥ k) for X ~ Poisson(mu).
pub fn poisson_sf(k: u64, mu: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mu <= 0.0 {
        return 0.0;
    }
    // P(X ≥ k) = P(k, mu), the regularised lower incomplete gamma.
    gamma_lr(k as f64, mu)
}

/// P(X ≥ k) for a negative binomial with mean `mu` and size `r`
/// (variance mu + mu²/r): the Poisson widened for batch-to-batch variation.
pub fn negbin_sf(k: u64, mu: f64, r: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if mu <= 0.0 {
        return 0.0;
    }
    let p = r / (r + mu);
    // P(X ≥ k) = I_{1-p}(k, r).
    beta_reg(k as f64, r, 1.0 - p)
}

/// P(X ≥ k) for a Poisson whose mean `mu` is multiplied by a lognormal
/// factor with mean 1 and variance `sigma2` (a batch's factor): the
/// Poisson widened for batch-to-batch variation. Its right tail is heavier
/// than the negative binomial's of the same variance, as lognormal factors
/// are (in the alert study's clean runs, negative-binomial tests fell below
/// p = 1e-5 13 times as often as they should). The mixing integral is the trapezoid rule
/// over the standard normal on [−9, 9] with step 0.1, which for this
/// smooth integrand is accurate to far below the p-values that matter.
pub fn poisson_lognormal_sf(k: u64, mu: f64, sigma2: f64) -> f64 {
    if sigma2 <= 0.0 {
        return poisson_sf(k, mu);
    }
    if k == 0 {
        return 1.0;
    }
    if mu <= 0.0 {
        return 0.0;
    }
    let s = (1.0 + sigma2).ln().sqrt();
    let m = -s * s / 2.0;
    let h = 0.1;
    let mut total = 0.0;
    let mut weight = 0.0;
    for i in -90..=90 {
        let z = i as f64 * h;
        let phi = (-z * z / 2.0).exp();
        total += phi * poisson_sf(k, mu * (m + s * z).exp());
        weight += phi;
    }
    (total / weight).min(1.0)
}

/// P(X ≤ x) for X ~ Binomial(n, p).
pub fn binomial_cdf(x: u64, n: u64, p: f64) -> f64 {
    if x >= n {
        return 1.0;
    }
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    // P(X ≤ x) = I_{1-p}(n - x, x + 1).
    beta_reg((n - x) as f64, (x + 1) as f64, 1.0 - p)
}

/// P(X ≥ x) for X ~ Binomial(n, p), from the incomplete beta function
/// directly (1 − cdf would lose a tiny tail to cancellation).
pub fn binomial_sf(x: u64, n: u64, p: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if x > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    // P(X ≥ x) = I_p(x, n − x + 1).
    beta_reg(x as f64, (n - x + 1) as f64, p)
}

/// A chart's centre line and per-point limits (LCL clamped at 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub centre: f64,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// The σ of each point, for run rules (1σ and 2σ zones).
    pub sigma: Vec<f64>,
}

/// c-chart: counts from equal opportunity.
pub fn c_chart(counts: &[f64]) -> Limits {
    let c = counts.iter().sum::<f64>() / counts.len().max(1) as f64;
    let s = c.sqrt();
    limits(c, vec![s; counts.len()])
}

/// p-chart: defectives `d` of samples of size `n`.
pub fn p_chart(d: &[f64], n: &[f64]) -> Limits {
    let p = d.iter().sum::<f64>() / n.iter().sum::<f64>();
    limits(p, n.iter().map(|n| (p * (1.0 - p) / n).sqrt()).collect())
}

/// u-chart: counts `c` over exposures `n` (rate per unit of exposure).
pub fn u_chart(c: &[f64], n: &[f64]) -> Limits {
    let u = c.iter().sum::<f64>() / n.iter().sum::<f64>();
    limits(u, n.iter().map(|n| (u / n).sqrt()).collect())
}

/// Laney u′-chart: the u-chart's σ scaled by σ_z, the variation of the
/// standardised points between neighbours (average moving range / 1.128),
/// which widens the limits when the data are overdispersed.
pub fn laney_u_chart(c: &[f64], n: &[f64]) -> (Limits, f64) {
    let base = u_chart(c, n);
    let z: Vec<f64> = c.iter().zip(n).zip(&base.sigma).map(|((c, n), s)| (c / n - base.centre) / s).collect();
    let mr: Vec<f64> = z.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let sigma_z = if mr.is_empty() { 1.0 } else { mr.iter().sum::<f64>() / mr.len() as f64 / 1.128 };
    (limits(base.centre, base.sigma.iter().map(|s| s * sigma_z).collect()), sigma_z)
}

fn limits(centre: f64, sigma: Vec<f64>) -> Limits {
    Limits {
        centre,
        lower: sigma.iter().map(|s| (centre - 3.0 * s).max(0.0)).collect(),
        upper: sigma.iter().map(|s| centre + 3.0 * s).collect(),
        sigma,
    }
}

/// Western Electric rules on the upper side, for the last point of
/// `values` (a rule "completes" there). Returns the rules that fire: `WE1`
/// beyond 3σ; `WE2` 2 of 3 beyond 2σ; `WE3` 4 of 5 beyond 1σ; `WE4` 8 in a
/// row above the centre line. The caller leaves provisional months out, so
/// that they are charted but never complete a rule.
pub fn western_electric(values: &[f64], l: &Limits) -> Vec<&'static str> {
    let n = values.len();
    if n == 0 {
        return Vec::new();
    }
    let zone = |i: usize| (values[i] - l.centre) / l.sigma[i].max(f64::MIN_POSITIVE);
    let last = |k: usize| (n.saturating_sub(k)..n).collect::<Vec<_>>();
    let mut fired = Vec::new();
    if zone(n - 1) > 3.0 {
        fired.push("WE1");
    }
    let beyond = |idx: &[usize], z: f64| idx.iter().filter(|&&i| zone(i) > z).count();
    if n >= 3 && zone(n - 1) > 2.0 && beyond(&last(3), 2.0) >= 2 {
        fired.push("WE2");
    }
    if n >= 5 && zone(n - 1) > 1.0 && beyond(&last(5), 1.0) >= 4 {
        fired.push("WE3");
    }
    if n >= 8 && last(8).iter().all(|&i| values[i] > l.centre) {
        fired.push("WE4");
    }
    fired
}

/// Šidák's per-test level for a family-wise error `alpha` over `m` tests.
pub fn sidak(alpha: f64, m: usize) -> f64 {
    if m == 0 {
        return alpha;
    }
    1.0 - (1.0 - alpha).powf(1.0 / m as f64)
}

/// Benjamini–Hochberg: which p-values are discoveries at FDR `q`.
pub fn benjamini_hochberg(p: &[f64], q: f64) -> Vec<bool> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].partial_cmp(&p[b]).unwrap_or(std::cmp::Ordering::Equal));
    let cutoff = order
        .iter()
        .enumerate()
        .filter(|(rank, &i)| p[i] <= q * (*rank as f64 + 1.0) / m as f64)
        .map(|(rank, _)| rank)
        .max();
    let mut out = vec![false; m];
    if let Some(k) = cutoff {
        for &i in &order[..=k] {
            out[i] = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn exact_tails() {
        // Direct sums of the probability mass functions.
        close(poisson_sf(10, 4.0), 0.008_132_242_796_934_03, 1e-12);
        close(poisson_sf(1, 0.5), 0.393_469_340_287_366_6, 1e-12);
        close(poisson_sf(3, 0.2), 0.001_148_481_244_862_109_6, 1e-12);
        assert_eq!(poisson_sf(0, 3.0), 1.0);
        close(negbin_sf(10, 4.0, 2.0), 0.075_146_629_635_274_52, 1e-12);
        // Poisson-lognormal against scipy (60-node Gauss–Hermite over the
        // lognormal, Poisson sf from scipy.stats), σ² = 0.06.
        close(poisson_lognormal_sf(27, 10.59, 0.06) / 0.001_417_607_217_688_192_5, 1.0, 1e-6);
        close(poisson_lognormal_sf(15, 3.0, 0.06) / 1.695_370_162_416_275_2e-5, 1.0, 1e-6);
        close(poisson_lognormal_sf(26, 7.6, 0.06) / 6.252_391_830_684_613e-5, 1.0, 1e-6);
        // No variation: the Poisson tail.
        assert_eq!(poisson_lognormal_sf(27, 10.59, 0.0), poisson_sf(27, 10.59));
        // Heavier than the negative binomial of the same variance far out.
        assert!(poisson_lognormal_sf(26, 7.6, 0.06) > negbin_sf(26, 7.6, 1.0 / 0.06));
        // A large size approaches the Poisson.
        close(negbin_sf(10, 4.0, 1000.0), 0.008_264_888_125_685_71, 1e-12);
        close(binomial_cdf(17, 20, 0.98), 0.007_068_693_403_814_081, 1e-12);
        close(binomial_cdf(19, 20, 0.98), 0.332_392_028_244_905_7, 1e-12);
    }

    #[test]
    fn qcc_orangejuice_p_chart() {
        let d = [
            12., 15., 8., 10., 4., 7., 16., 9., 14., 10., 5., 6., 17., 12., 22., 8., 10., 5., 13., 11., 20., 18., 24.,
            15., 9., 12., 7., 13., 9., 6.,
        ];
        let n = [50.0; 30];
        let l = p_chart(&d, &n);
        close(l.centre, 0.231_333_3, 1e-7);
        close(l.upper[0], 0.410_239_1, 1e-7);
        close(l.lower[0], 0.052_427_55, 1e-8);
        let out: Vec<usize> =
            (0..30).filter(|&i| d[i] / 50.0 > l.upper[i] || d[i] / 50.0 < l.lower[i]).map(|i| i + 1).collect();
        assert_eq!(out, [15, 23]);
    }

    #[test]
    fn qcc_circuit_c_chart() {
        let c = [
            21., 24., 16., 12., 15., 5., 28., 20., 31., 25., 20., 24., 16., 19., 10., 17., 13., 22., 18., 39., 30.,
            24., 16., 19., 17., 15.,
        ];
        let l = c_chart(&c);
        close(l.centre, 19.846_15, 1e-5);
        close(l.upper[0], 33.210_86, 1e-5);
        close(l.lower[0], 6.481_447, 1e-6);
    }

    #[test]
    fn u_charts_and_run_rules() {
        // Equal exposure: the u-chart is the c-chart scaled.
        let l = u_chart(&[2.0, 4.0], &[10.0, 10.0]);
        close(l.centre, 0.3, 1e-12);
        close(l.upper[0], 0.3 + 3.0 * (0.03f64).sqrt(), 1e-12);
        // Laney: identical standardised points have no moving range.
        let (lp, sz) = laney_u_chart(&[3.0, 3.0, 3.0], &[10.0, 10.0, 10.0]);
        assert_eq!(sz, 0.0);
        close(lp.upper[0], 0.3, 1e-12);

        let flat = Limits { centre: 0.0, lower: vec![0.0; 8], upper: vec![3.0; 8], sigma: vec![1.0; 8] };
        assert_eq!(western_electric(&[0., 0., 0., 0., 0., 0., 0., 3.5], &flat), ["WE1"]);
        assert_eq!(western_electric(&[0., 0., 0., 0., 0., 2.5, 0., 2.5], &flat), ["WE2"]);
        assert_eq!(western_electric(&[0., 0., 0., 1.5, 1.5, 0., 1.5, 1.5], &flat), ["WE3"]);
        assert_eq!(western_electric(&[0.5; 8], &flat), ["WE4"]);
        // A rule must complete at the last point.
        assert!(western_electric(&[0., 0., 0., 0., 0., 0., 3.5, 0.], &flat).is_empty());
    }

    #[test]
    fn false_alarm_controls() {
        close(sidak(0.01, 1), 0.01, 1e-15);
        close(sidak(0.01, 100), 1.0 - 0.99f64.powf(0.01), 1e-15);
        // BH at q = 0.10 over 5 tests: thresholds 0.02, 0.04, 0.06, 0.08, 0.10.
        assert_eq!(benjamini_hochberg(&[0.01, 0.5, 0.03, 0.2, 0.055], 0.10), [true, false, true, false, true]);
        assert_eq!(benjamini_hochberg(&[0.5, 0.6], 0.10), [false, false]);
    }
}
