//! The warranty-claims model of one product line and component: claims
//! per unit in warranty by age in months in service (Kalbfleisch, Lawless
//! & Robinson 1991), estimated from the months the lake observed, and the
//! expected claims of the installed base in each future month. Grain: one
//! line × component. Pure arithmetic; months are `month::index` numbers.
//!
//! - A unit of a cohort (in-service month s, last warranty month l) is at
//!   risk in month m when s ≤ m ≤ l, at age m − s. Claims are repairs, not
//!   units: a unit stays at risk after a claim.
//! - The rate at age a is claims(a) / exposure(a) where the lake saw
//!   enough exposure at that age (the pooled rate would expect at least
//!   `MIN_EXPECTED` claims there). Elsewhere, ages no unit has reached, it
//!   follows the life-data fit's hazard h(a) = [F(a+1) − F(a)] / R(a),
//!   scaled to the claims of the well-observed ages; without a fit, the
//!   pooled rate.
//! - Cohorts differ (their batches, their stations): each in-service
//!   month's cohort carries a credibility factor (observed + κ) /
//!   (expected + κ) from its own claims so far, κ = `PRIOR_CLAIMS`, so a
//!   bad cohort stays bad in the forecast and a young one stays average.
//! - The spread: claims are Poisson with dispersion φ (Pearson χ²/df of the
//!   age × month cells, at least 1), plus the rates' own estimation
//!   variance. Intervals are the quantiles of a gamma with that mean and
//!   variance: skewed like a count, never below 0.

use statrs::distribution::{ContinuousCDF, Gamma};

/// Ages whose pooled expectation falls below this many claims take the
/// fit's (or the pooled) rate instead of their own.
pub const MIN_EXPECTED: f64 = 20.0;

/// The weight, in claims, of the average in a cohort's credibility factor.
pub const PRIOR_CLAIMS: f64 = 20.0;

/// Units in service from month `service`, in warranty through month
/// `last` (inclusive), `n` of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cohort {
    pub service: i64,
    pub last: i64,
    pub n: f64,
}

/// Claims reported in month `month` on units in service from `service`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claims {
    pub service: i64,
    pub month: i64,
    pub n: f64,
}

/// The estimated rates by age.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    pub rate: Vec<f64>,
    /// The variance of each rate's estimate.
    pub var: Vec<f64>,
    /// True where the age's own claims gave its rate.
    pub observed: Vec<bool>,
    pub dispersion: f64,
    /// Per in-service month: the cohort's credibility factor and the
    /// relative variance of it.
    pub cohort: std::collections::HashMap<i64, (f64, f64)>,
}

impl Rates {
    fn at(&self, age: i64) -> (f64, f64) {
        let a = (age.max(0) as usize).min(self.rate.len().saturating_sub(1));
        self.rate.get(a).map_or((0.0, 0.0), |&r| (r, self.var[a]))
    }
}

/// Estimate the rates at ages 0..=`max_age` from the months `first..=origin`.
/// `hazard(a)`: the fit's conditional probability of failing at age a
/// months, when there is a fit.
pub fn estimate(
    cohorts: &[Cohort],
    claims: &[Claims],
    first: i64,
    origin: i64,
    max_age: usize,
    hazard: Option<&dyn Fn(usize) -> f64>,
) -> Rates {
    let ages = max_age + 1;
    let mut exposure = vec![0.0; ages];
    // Ordered maps: the dispersion's sum must not depend on hash order.
    let mut cell_exposure = std::collections::BTreeMap::new();
    for c in cohorts {
        for m in first.max(c.service)..=origin.min(c.last) {
            let a = (m - c.service) as usize;
            if a < ages {
                exposure[a] += c.n;
                *cell_exposure.entry((a, m)).or_insert(0.0) += c.n;
            }
        }
    }
    let mut count = vec![0.0; ages];
    let mut cell_count = std::collections::BTreeMap::new();
    for c in claims.iter().filter(|c| c.month >= first && c.month <= origin) {
        let a = ((c.month - c.service).max(0) as usize).min(max_age);
        count[a] += c.n;
        *cell_count.entry((a, c.month)).or_insert(0.0) += c.n;
    }
    let (total_claims, total_exposure): (f64, f64) = (count.iter().sum(), exposure.iter().sum());
    let pooled = if total_exposure > 0.0 { total_claims / total_exposure } else { 0.0 };
    let observed: Vec<bool> = exposure.iter().map(|e| pooled * e >= MIN_EXPECTED).collect();
    let mut rate: Vec<f64> = (0..ages).map(|a| if observed[a] { count[a] / exposure[a] } else { f64::NAN }).collect();

    // Dispersion from the age × month cells of the observed ages.
    let (mut x2, mut cells) = (0.0, 0usize);
    for (&(a, m), &e) in &cell_exposure {
        if observed[a] && rate[a] > 0.0 && e > 0.0 {
            let expected = rate[a] * e;
            let o = cell_count.get(&(a, m)).copied().unwrap_or(0.0);
            x2 += (o - expected).powi(2) / expected;
            cells += 1;
        }
    }
    let fitted_ages = observed.iter().filter(|o| **o).count();
    let dispersion = if cells > fitted_ages { (x2 / (cells - fitted_ages) as f64).max(1.0) } else { 1.0 };

    // The other ages: the fit's hazard scaled to the observed ages' claims,
    // or the pooled rate.
    let (obs_claims, obs_shape) = (0..ages)
        .filter(|&a| observed[a])
        .fold((0.0, 0.0), |(c, s), a| (c + count[a], s + hazard.map_or(0.0, |h| exposure[a] * h(a))));
    let scale = match hazard {
        Some(h) if obs_shape > 0.0 => Some(obs_claims / obs_shape).map(|k| (k, h)),
        Some(h) => {
            let shape: f64 = (0..ages).map(|a| exposure[a] * h(a)).sum();
            (shape > 0.0).then(|| (total_claims / shape, h))
        }
        None => None,
    };
    let mut var = vec![0.0; ages];
    for a in 0..ages {
        if observed[a] {
            var[a] = dispersion * rate[a] / exposure[a];
        } else {
            rate[a] = match scale {
                Some((k, h)) => k * h(a),
                None => pooled,
            };
            // The level rests on every claim seen: a relative variance of
            // 1 / claims (and the whole rate when there are none).
            var[a] = rate[a] * rate[a] / total_claims.max(1.0);
        }
    }
    // Each cohort's claims so far against what the rates expected of it.
    let mut seen: std::collections::HashMap<i64, (f64, f64)> = std::collections::HashMap::new();
    for c in cohorts {
        for m in first.max(c.service)..=origin.min(c.last) {
            let a = ((m - c.service) as usize).min(max_age);
            seen.entry(c.service).or_default().1 += c.n * rate[a];
        }
    }
    for c in claims.iter().filter(|c| c.month >= first && c.month <= origin) {
        seen.entry(c.service).or_default().0 += c.n;
    }
    let cohort = seen
        .into_iter()
        .map(|(s, (o, e))| (s, ((o + PRIOR_CLAIMS) / (e + PRIOR_CLAIMS), 1.0 / (o + PRIOR_CLAIMS))))
        .collect();
    Rates { rate, var, observed, dispersion, cohort }
}

/// Expected claims in month `month` for `cohorts`: the mean, the variance,
/// and the part of the variance that is the rates' estimation error (the
/// same error in every month of a horizon, so sums over months add it up
/// as correlated).
pub fn expected(cohorts: &[Cohort], rates: &Rates, month: i64) -> (f64, f64, f64) {
    let mut by_service: std::collections::BTreeMap<i64, f64> = std::collections::BTreeMap::new();
    for c in cohorts.iter().filter(|c| c.service <= month && month <= c.last) {
        *by_service.entry(c.service).or_default() += c.n;
    }
    let (mut mean, mut est_var) = (0.0, 0.0);
    for (service, n) in by_service {
        let (r, v) = rates.at(month - service);
        // A cohort the lake has not seen yet is average.
        let (z, zv) = rates.cohort.get(&service).copied().unwrap_or((1.0, 0.0));
        mean += n * r * z;
        est_var += n * n * (v * z * z + (r * z).powi(2) * zv);
    }
    (mean, rates.dispersion * mean + est_var, est_var)
}

/// Units in warranty at the start of `month` (sold, whether in service yet
/// or not: a cohort not yet in service is counted by its warranty).
pub fn in_warranty(cohorts: &[Cohort], month: i64) -> f64 {
    cohorts.iter().filter(|c| month <= c.last).map(|c| c.n).sum()
}

/// The `confidence` two-sided interval of a count with `mean` and
/// `variance`, from the gamma with those moments.
pub fn interval(mean: f64, variance: f64, confidence: f64) -> (f64, f64) {
    if mean <= 0.0 || variance <= 0.0 {
        return (mean.max(0.0), mean.max(0.0));
    }
    let shape = mean * mean / variance;
    let rate = mean / variance;
    match Gamma::new(shape, rate) {
        Ok(g) => {
            let tail = (1.0 - confidence) / 2.0;
            (g.inverse_cdf(tail), g.inverse_cdf(1.0 - tail))
        }
        Err(_) => (mean, mean),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(service: i64, last: i64, n: f64) -> Cohort {
        Cohort { service, last, n }
    }
    fn k(service: i64, month: i64, n: f64) -> Claims {
        Claims { service, month, n }
    }

    /// Two cohorts by hand, observed in months 10..=12:
    /// - A: 1000 units from month 10, in warranty through month 40;
    /// - B: 2000 units from month 11, through month 13.
    ///
    /// Exposure: age 0 = 1000 (A in 10) + 2000 (B in 11) = 3000; age 1 =
    /// 1000 + 2000 = 3000; age 2 = 1000 (A in 12). Claims: age 0: 30 + 60,
    /// age 1: 45 + 90, age 2: 20. Pooled rate 245 / 7000 = 0.035, so age 2
    /// (expected 35 ≥ 20) is observed too: rates 0.03, 0.045, 0.02.
    /// Month 13: A at age 3 (beyond the data: the pooled rate 0.035 with no
    /// fit) and B at age 2 → 1000·0.035 + 2000·0.02 = 75. Month 14: B's
    /// warranty has ended → A alone, 35.
    #[test]
    fn two_cohorts_by_hand() {
        let cohorts = [c(10, 40, 1000.0), c(11, 13, 2000.0)];
        let claims = [k(10, 10, 30.0), k(11, 11, 60.0), k(10, 11, 45.0), k(11, 12, 90.0), k(10, 12, 20.0)];
        let rates = estimate(&cohorts, &claims, 10, 12, 30, None);
        assert_eq!(&rates.observed[..4], &[true, true, true, false]);
        for (got, want) in rates.rate.iter().zip([0.03, 0.045, 0.02, 0.035]) {
            assert!((got - want).abs() < 1e-12, "{:?}", &rates.rate[..4]);
        }
        // Age 0's cells: 30 of 1000 and 60 of 2000 at 0.03: Pearson 0; age 1
        // likewise; so no extra-Poisson spread: φ = 1.
        assert_eq!(rates.dispersion, 1.0);
        let (m13, v13, _) = expected(&cohorts, &rates, 13);
        assert!((m13 - 75.0).abs() < 1e-9, "{m13}");
        // Each cohort saw what the rates expect of it (A: 95 of 95, B: 150 of
        // 150), so both credibility factors are 1. Variance: 75 (Poisson) +
        // 2000²·(0.02/1000) (age 2's estimate) + 1000²·(0.035²/245) (the
        // pooled rate's) + each cohort's factor, 35²/(95 + 20) + 40²/(150 + 20).
        assert_eq!(rates.cohort[&10], (1.0, 1.0 / 115.0));
        let want = 75.0
            + 2000.0 * 2000.0 * 0.02 / 1000.0
            + 1000.0 * 1000.0 * 0.035 * 0.035 / 245.0
            + 35.0 * 35.0 / 115.0
            + 40.0 * 40.0 / 170.0;
        assert!((v13 - want).abs() < 1e-9, "{v13} vs {want}");
        assert!((expected(&cohorts, &rates, 14).0 - 35.0).abs() < 1e-9, "B left its warranty");
        assert_eq!(in_warranty(&cohorts, 13), 3000.0);
        assert_eq!(in_warranty(&cohorts, 14), 1000.0);
    }

    /// An age no unit has reached follows the fit's hazard, scaled so that
    /// the observed ages' claims are matched. Months 10–11: age 0 has 3000
    /// unit-months and 90 claims, age 1 has 1000 and 45 (month 12 is after
    /// the origin). With h(a) = 0.01·(a + 1) the observed ages expect
    /// 3000·0.01 + 1000·0.02 = 50 at scale 1 and saw 135, so k = 2.7 and
    /// age 5's rate is 2.7·0.06 = 0.162.
    #[test]
    fn unreached_ages_follow_the_fit() {
        let cohorts = [c(10, 40, 1000.0), c(11, 40, 2000.0)];
        let claims = [k(10, 10, 30.0), k(11, 11, 60.0), k(10, 11, 45.0), k(11, 12, 90.0)];
        let h = |a: usize| 0.01 * (a as f64 + 1.0);
        let rates = estimate(&cohorts, &claims, 10, 11, 30, Some(&h));
        assert_eq!(&rates.observed[..3], &[true, true, false]);
        assert!((rates.rate[5] - 0.162).abs() < 1e-12, "{}", rates.rate[5]);
    }

    /// A cohort that claimed more than its share keeps most of it: cohort 1
    /// saw 40 claims where the age rates expect 1000·(40/3000 + 30/2000) =
    /// 28.3, so its factor is (40 + 20) / (28.3 + 20) = 1.24.
    #[test]
    fn a_bad_cohort_stays_bad() {
        let cohorts = [c(0, 100, 1000.0), c(1, 100, 1000.0), c(2, 100, 1000.0)];
        // Ages 0–1 at 0.01 for cohorts 0 and 2; cohort 1 claims double.
        let claims = [k(0, 0, 10.0), k(0, 1, 10.0), k(1, 1, 20.0), k(1, 2, 20.0), k(2, 2, 10.0)];
        let rates = estimate(&cohorts, &claims, 0, 2, 10, None);
        // Rates: age 0 = 40 / 3000, age 1 = 30 / 2000.
        let expected_1 = 1000.0 * (40.0 / 3000.0 + 30.0 / 2000.0);
        let z = rates.cohort[&1].0;
        assert!((z - (40.0 + PRIOR_CLAIMS) / (expected_1 + PRIOR_CLAIMS)).abs() < 1e-12, "{z}");
        assert!(z > 1.2);
    }

    /// Month-to-month swings beyond Poisson widen the interval: φ > 1.
    #[test]
    fn overdispersion_is_measured() {
        let cohorts = [c(0, 100, 1000.0)];
        // Age a in month a, and a second cohort so each age has two months.
        let more = [c(1, 100, 1000.0)];
        let all: Vec<Cohort> = cohorts.iter().chain(&more).copied().collect();
        let claims = [k(0, 0, 10.0), k(1, 1, 50.0), k(0, 1, 10.0), k(1, 2, 50.0), k(0, 2, 30.0)];
        let rates = estimate(&all, &claims, 0, 2, 10, None);
        assert!(rates.dispersion > 5.0, "{}", rates.dispersion);
    }

    #[test]
    fn gamma_intervals() {
        // Variance equal to the mean and a large mean: close to the normal
        // interval 100 ± 1.645·10.
        let (lo, hi) = interval(100.0, 100.0, 0.90);
        assert!((lo - 84.0).abs() < 1.0 && (hi - 116.9).abs() < 1.0, "{lo} {hi}");
        assert_eq!(interval(0.0, 0.0, 0.9), (0.0, 0.0));
    }
}
