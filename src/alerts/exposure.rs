//! A batch's exposure in warranty by month in service, from its units'
//! spans of days in service [from, t): the batch alerts' denominator.
//! Grain: one batch and warranty kind; polars hands over counts and sums
//! per month-in-service bin, not one row per unit.

use std::collections::BTreeMap;

use crate::metrics::batch_units::{MONTH_IN_SIXTEENTHS, SIXTEENTHS};

/// The spans [from, t) in days in service of a batch's units, as counts and
/// sums per month-in-service bin of each end.
#[derive(Default)]
pub(super) struct Spans {
    /// bin → (units, sum of the end in days), for `from` and for `t`.
    from: BTreeMap<i64, (i64, i64)>,
    to: BTreeMap<i64, (i64, i64)>,
}

impl Spans {
    /// `n` units whose spans start in bin `bf` (days summing to `f`) and
    /// end in bin `bt` (days summing to `t`).
    pub(super) fn add(&mut self, bf: i64, bt: i64, n: i64, f: i64, t: i64) {
        if n == 0 {
            return;
        }
        let a = self.from.entry(bf).or_default();
        *a = (a.0 + n, a.1 + f);
        let b = self.to.entry(bt).or_default();
        *b = (b.0 + n, b.1 + t);
    }

    /// Unit-months in warranty by month in service a: the sum over units
    /// of |[from, t) ∩ [a·D, (a+1)·D)| / D, as Σ clamp(t) − Σ clamp(from)
    /// with clamp(x) = min(max(x, a·D), (a+1)·D), in sixteenths of a day.
    /// Up to the last month with exposure.
    pub(super) fn exposure_by_age(&self) -> Vec<f64> {
        let last = self.to.keys().next_back().copied().unwrap_or(-1);
        let clamped = |ends: &BTreeMap<i64, (i64, i64)>, a: i64| -> i128 {
            let (mut below, mut above, mut inside) = (0i128, 0i128, 0i128);
            for (&b, &(n, sum)) in ends {
                match b.cmp(&a) {
                    std::cmp::Ordering::Less => below += n as i128,
                    std::cmp::Ordering::Greater => above += n as i128,
                    std::cmp::Ordering::Equal => inside += sum as i128 * SIXTEENTHS as i128,
                }
            }
            let m = MONTH_IN_SIXTEENTHS as i128;
            inside + below * a as i128 * m + above * (a as i128 + 1) * m
        };
        let mut out: Vec<f64> = (0..=last)
            .map(|a| (clamped(&self.to, a) - clamped(&self.from, a)) as f64 / MONTH_IN_SIXTEENTHS as f64)
            .collect();
        while out.last() == Some(&0.0) {
            out.pop();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::month::DAYS_PER_MONTH;

    #[test]
    fn a_month_in_service_is_487_sixteenths_of_a_day() {
        assert_eq!(MONTH_IN_SIXTEENTHS as f64 / SIXTEENTHS as f64, DAYS_PER_MONTH);
    }

    /// The spans, one unit at a time, bin by bin, in floating point: the
    /// loop the binned sums replaced, kept as the independent check.
    fn by_unit(spans: &[(i64, i64)]) -> Vec<f64> {
        let mut out: Vec<f64> = Vec::new();
        for &(from, t) in spans {
            let (from, t) = (from as f64, t as f64);
            let mut a = (from / DAYS_PER_MONTH) as usize;
            while (a as f64) * DAYS_PER_MONTH < t {
                let lo = (a as f64 * DAYS_PER_MONTH).max(from);
                let hi = ((a + 1) as f64 * DAYS_PER_MONTH).min(t);
                if hi > lo {
                    if out.len() <= a {
                        out.resize(a + 1, 0.0);
                    }
                    out[a] += (hi - lo) / DAYS_PER_MONTH;
                }
                a += 1;
            }
        }
        out
    }

    fn binned(spans: &[(i64, i64)]) -> Vec<f64> {
        let bin = |x: i64| (x * SIXTEENTHS).div_euclid(MONTH_IN_SIXTEENTHS);
        let mut s = Spans::default();
        for &(from, t) in spans.iter().filter(|(f, t)| t > f) {
            s.add(bin(from), bin(t), 1, from, t);
        }
        s.exposure_by_age()
    }

    /// By hand: A observed over days [0, 45), B over [10, 20), C never
    /// (t = from). Month 0 ends at day 30.4375: A gives 1 and B 10/30.4375;
    /// month 1, A's remaining 14.5625 days.
    #[test]
    fn exposure_by_hand() {
        let got = binned(&[(0, 45), (10, 20), (40, 40)]);
        assert_eq!(got.len(), 2);
        assert!((got[0] - (1.0 + 10.0 / 30.4375)).abs() < 1e-15, "{got:?}");
        assert!((got[1] - 14.5625 / 30.4375).abs() < 1e-15, "{got:?}");
    }

    /// Spans ending exactly on a bin edge (487 days is 16 months), spans
    /// starting late, and a wide spread, against the unit-by-unit loop.
    #[test]
    fn binned_sums_equal_the_unit_by_unit_loop() {
        let mut spans = vec![(0, 487), (0, 486), (0, 488), (30, 31), (31, 61), (400, 1095), (0, 0), (12, 5)];
        // A deterministic spread of starts and ends.
        let mut x: i64 = 7;
        for _ in 0..2000 {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            let from = if x % 5 == 0 { x % 300 } else { 0 };
            spans.push((from, (x / 7) % 1100));
        }
        let (got, want) = (binned(&spans), by_unit(&spans));
        assert_eq!(got.len(), want.len());
        for (a, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-9 * w.max(1.0), "month {a}: {g} against {w}");
        }
    }
}
