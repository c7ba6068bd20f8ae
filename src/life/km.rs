//! The Kaplan–Meier product-limit estimate with delayed entry. Grain: one
//! step per distinct failure time. Pure arithmetic.
//!
//! At risk at t: the units that entered before t (entry < t) and were still
//! observed at t (time ≥ t). Failures at a time come before suspensions at
//! the same time, so a unit suspended at t is in the risk set at t. The
//! bounds are Greenwood's variance on the log(−log) scale (the "exponential
//! Greenwood" interval that `lifelines` reports).

/// One life record: a failure or suspension at `time`, observed from
/// `entry`, standing for `count` identical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    pub time: f64,
    pub failure: bool,
    pub entry: f64,
    pub count: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub time: f64,
    pub at_risk: f64,
    pub failures: f64,
    pub survival: f64,
    /// None where the log(−log) interval is undefined (survival 0).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// The product-limit curve of `records`, with bounds at two-sided normal
/// quantile `z`.
pub fn kaplan_meier(records: &[Record], z: f64) -> Vec<Step> {
    let mut fail: Vec<(f64, f64)> =
        records.iter().filter(|r| r.failure && r.count > 0.0).map(|r| (r.time, r.count)).collect();
    fail.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut entries: Vec<(f64, f64)> = records.iter().map(|r| (r.entry, r.count)).collect();
    entries.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut exits: Vec<(f64, f64)> = records.iter().map(|r| (r.time, r.count)).collect();
    exits.sort_by(|a, b| a.0.total_cmp(&b.0));

    let (mut ie, mut ix, mut i) = (0, 0, 0);
    let (mut entered, mut left) = (0.0, 0.0);
    let (mut s, mut greenwood) = (1.0_f64, 0.0_f64);
    let mut steps = Vec::new();
    while i < fail.len() {
        let t = fail[i].0;
        let mut d = 0.0;
        while i < fail.len() && fail[i].0 == t {
            d += fail[i].1;
            i += 1;
        }
        while ie < entries.len() && entries[ie].0 < t {
            entered += entries[ie].1;
            ie += 1;
        }
        while ix < exits.len() && exits[ix].0 < t {
            left += exits[ix].1;
            ix += 1;
        }
        let n = entered - left;
        s *= 1.0 - d / n;
        greenwood += if n > d { d / (n * (n - d)) } else { f64::INFINITY };
        let (lower, upper) = if s > 0.0 && s < 1.0 && greenwood.is_finite() {
            let v = s.ln();
            let k = z * greenwood.sqrt() / v;
            (Some((-((-v).ln() - k).exp()).exp()), Some((-((-v).ln() + k).exp()).exp()))
        } else {
            (None, None)
        };
        steps.push(Step { time: t, at_risk: n, failures: d, survival: s, lower, upper });
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(time: f64, failure: bool) -> Record {
        Record { time, failure, entry: 0.0, count: 1.0 }
    }

    /// By hand: failures at 2, 3, 5, 7; suspensions at 3 (tied with a
    /// failure), 6 and 8; 7 units.
    /// - t=2: at risk 7, S = 6/7 = 0.857143;
    /// - t=3: at risk 6 (the suspension at 3 still counts), S = 6/7·5/6 = 5/7;
    /// - t=5: at risk 4, S = 5/7·3/4 = 15/28;
    /// - t=7: at risk 2 (6 has left), S = 15/28·1/2 = 15/56.
    ///
    /// Greenwood at t=2: 1/(7·6) = 0.0238095; the log(−log) bounds for
    /// z = 1.959964: v = ln(6/7) = −0.1541507, k = z·√0.0238095/v =
    /// −1.961919, so lower = exp(−exp(ln 0.1541507 + 1.961919)) = 0.334054
    /// and upper = exp(−exp(ln 0.1541507 − 1.961919)) = 0.978561. The
    /// later bounds are `lifelines` 0.30's `KaplanMeierFitter` on the same
    /// data (`tests/reference/life_reference.py` prints them).
    #[test]
    fn steps_by_hand() {
        let data = [
            rec(2.0, true),
            rec(3.0, true),
            rec(3.0, false),
            rec(5.0, true),
            rec(6.0, false),
            rec(7.0, true),
            rec(8.0, false),
        ];
        let km = kaplan_meier(&data, 1.959_963_984_540_054);
        let got: Vec<(f64, f64, f64)> = km.iter().map(|s| (s.time, s.at_risk, s.survival)).collect();
        let want = [(2.0, 7.0, 6.0 / 7.0), (3.0, 6.0, 5.0 / 7.0), (5.0, 4.0, 15.0 / 28.0), (7.0, 2.0, 15.0 / 56.0)];
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1), (w.0, w.1));
            assert!((g.2 - w.2).abs() < 1e-12);
        }
        let bounds = [(0.334_054, 0.978_561), (0.258_154, 0.919_797), (0.131_988, 0.824_997), (0.013_125, 0.670_013)];
        for (s, (lo, hi)) in km.iter().zip(bounds) {
            assert!((s.lower.unwrap() - lo).abs() < 1e-6 && (s.upper.unwrap() - hi).abs() < 1e-6, "{s:?}");
        }
    }

    /// Delayed entry: a unit entering at 4 is not at risk at 2 or 3, but is
    /// at 5; a unit entering exactly at a failure time is not at risk then.
    #[test]
    fn delayed_entry() {
        let mut data = vec![rec(2.0, true), rec(5.0, true), rec(9.0, false)];
        data.push(Record { time: 6.0, failure: false, entry: 4.0, count: 2.0 });
        data.push(Record { time: 8.0, failure: false, entry: 5.0, count: 1.0 });
        let km = kaplan_meier(&data, 1.96);
        assert_eq!(km.iter().map(|s| s.at_risk).collect::<Vec<_>>(), vec![3.0, 4.0]);
        assert!((km[1].survival - 2.0 / 3.0 * 3.0 / 4.0).abs() < 1e-12);
    }

    #[test]
    fn all_failed_has_no_bounds() {
        let km = kaplan_meier(&[rec(1.0, true), rec(2.0, true)], 1.96);
        assert_eq!(km[1].survival, 0.0);
        assert_eq!((km[1].lower, km[1].upper), (None, None));
    }
}
