//! The two-parameter Weibull, fitted by maximum likelihood to one life data
//! set: exact failures, right-censored (suspended), interval-censored and
//! left-truncated (delayed-entry) observations in one likelihood. Grain:
//! one data set in, one `Fit` out. Pure arithmetic: no I/O, no polars.
//!
//! Warranty data are hard on a fitter: 99% or more suspensions, thousands
//! tied at one age, a handful of failures. So, without interval data, η is
//! profiled out in closed form (η^β = Σ w (t^β − e^β) / r) and the root of
//! the profile likelihood's score in β, which falls as β grows, is
//! bracketed and found by false position in ln β: no starting guess to
//! get wrong, and every power is taken relative to the
//! largest time so that nothing overflows. Interval data have no closed
//! form; they start from that profile fit on the intervals' midpoints and
//! climb the full likelihood with damped Newton steps in (ln β, ln η).
//! The standard errors come from the observed information matrix
//! (analytic second derivatives) in (β, η), as the `reliability` package
//! reports them.

use statrs::function::gamma::gamma;

/// One observation: what was seen, when the unit entered observation
/// (0 = from the start; a later entry is left truncation), and how many
/// identical units it stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    pub kind: Kind,
    pub entry: f64,
    pub count: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Failed at t (> 0).
    Exact(f64),
    /// Still working at t (≥ 0).
    Right(f64),
    /// Failed somewhere in (a, b], 0 ≤ a < b.
    Interval(f64, f64),
}

impl Obs {
    pub fn new(kind: Kind, count: f64) -> Obs {
        Obs { kind, entry: 0.0, count }
    }

    fn is_failure(&self) -> bool {
        !matches!(self.kind, Kind::Right(_))
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    #[error("the data hold no failures, so no life distribution can be fitted (every unit is a suspension)")]
    NoFailures,
    #[error(
        "the data hold {0} failure; a two-parameter Weibull needs at least 2 (one failure fixes a point, not a slope)"
    )]
    TooFewFailures(f64),
    #[error("the fit does not converge: {0}")]
    NoConvergence(String),
}

/// A fitted Weibull with the inverse of its observed information.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    pub beta: f64,
    pub eta: f64,
    /// Covariance of (β, η): the inverse observed information.
    pub cov: [[f64; 2]; 2],
    pub log_likelihood: f64,
    /// Observations (Σ counts) and failures among them.
    pub observations: f64,
    pub failures: f64,
}

/// Bounds at `confidence`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lower: f64,
    pub upper: f64,
}

/// The standard normal quantile for two-sided `confidence`.
pub fn z_two_sided(confidence: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0)
}

impl Fit {
    pub fn beta_se(&self) -> f64 {
        self.cov[0][0].abs().sqrt()
    }

    pub fn eta_se(&self) -> f64 {
        self.cov[1][1].abs().sqrt()
    }

    /// Wald bounds on the log scale: `β · exp(± z · se / β)`.
    pub fn beta_bounds(&self, z: f64) -> Bounds {
        log_bounds(self.beta, self.beta_se(), z)
    }

    pub fn eta_bounds(&self, z: f64) -> Bounds {
        log_bounds(self.eta, self.eta_se(), z)
    }

    /// R(t) = exp(−(t/η)^β).
    pub fn reliability(&self, t: f64) -> f64 {
        (-(t / self.eta).powf(self.beta)).exp()
    }

    /// The time by which a share `p` has failed: η (−ln(1−p))^(1/β).
    pub fn quantile(&self, p: f64) -> f64 {
        self.eta * (-(-p).ln_1p()).powf(1.0 / self.beta)
    }

    /// B10 life: the time by which 10% have failed.
    pub fn b10(&self) -> f64 {
        self.quantile(0.10)
    }

    /// Mean time to failure, η Γ(1 + 1/β).
    pub fn mttf(&self) -> f64 {
        self.eta * gamma(1.0 + 1.0 / self.beta)
    }

    /// AICc with k = 2; None when n − k − 1 ≤ 0, as `reliability` leaves it.
    pub fn aicc(&self) -> Option<f64> {
        let (n, k) = (self.observations, 2.0);
        (n - k - 1.0 > 0.0).then(|| 2.0 * k - 2.0 * self.log_likelihood + (2.0 * k * k + 2.0 * k) / (n - k - 1.0))
    }

    pub fn bic(&self) -> f64 {
        self.observations.ln() * 2.0 - 2.0 * self.log_likelihood
    }

    /// The Weibull-paper ordinate u(t) = ln(−ln R(t)) = β (ln t − ln η),
    /// with its delta-method standard error: the fitted line and its bounds.
    pub fn line(&self, t: f64) -> (f64, f64) {
        let x = t.ln() - self.eta.ln();
        let (db, de) = (x, -self.beta / self.eta);
        let var = db * db * self.cov[0][0] + de * de * self.cov[1][1] + 2.0 * db * de * self.cov[0][1];
        (self.beta * x, var.max(0.0).sqrt())
    }

    /// Bounds on R(t) by the delta method on the log(−log) scale.
    pub fn reliability_bounds(&self, t: f64, z: f64) -> Bounds {
        let (u, se) = self.line(t);
        let r = |u: f64| (-u.exp()).exp();
        Bounds { lower: r(u + z * se), upper: r(u - z * se) }
    }
}

fn log_bounds(value: f64, se: f64, z: f64) -> Bounds {
    Bounds { lower: value * (-z * se / value).exp(), upper: value * (z * se / value).exp() }
}

/// Fit a two-parameter Weibull to `data`. At least two failures (exact or
/// interval) are needed.
pub fn fit(data: &[Obs]) -> Result<Fit, FitError> {
    let data: Vec<Obs> = data.iter().copied().filter(|o| o.count > 0.0).collect();
    let observations: f64 = data.iter().map(|o| o.count).sum();
    let failures: f64 = data.iter().filter(|o| o.is_failure()).map(|o| o.count).sum();
    if failures == 0.0 {
        return Err(FitError::NoFailures);
    }
    if failures < 2.0 {
        return Err(FitError::TooFewFailures(failures));
    }
    let has_intervals = data.iter().any(|o| matches!(o.kind, Kind::Interval(..)));
    let (beta, eta) = if has_intervals {
        let start = profile(&data.iter().map(midpoint).collect::<Vec<_>>())?;
        newton(&data, start)?
    } else {
        profile(&data)?
    };
    let (ll, _, h) = derivatives(&data, beta, eta);
    let cov = invert_negated(h)
        .ok_or_else(|| FitError::NoConvergence("the information matrix is singular at the estimate".into()))?;
    Ok(Fit { beta, eta, cov, log_likelihood: ll, observations, failures })
}

/// An interval failure as an exact one at its midpoint (a starting point).
fn midpoint(o: &Obs) -> Obs {
    match o.kind {
        Kind::Interval(a, b) => Obs { kind: Kind::Exact((a + b) / 2.0), ..*o },
        _ => *o,
    }
}

/// The profile-likelihood fit for exact, right-censored and truncated data.
fn profile(data: &[Obs]) -> Result<(f64, f64), FitError> {
    // (ln t, ln e or None, w, failure); zero times add nothing to the sums.
    let rows: Vec<(f64, Option<f64>, f64, bool)> = data
        .iter()
        .filter_map(|o| {
            let (t, failure) = match o.kind {
                Kind::Exact(t) => (t, true),
                Kind::Right(t) => (t, false),
                Kind::Interval(..) => unreachable!("profile() takes no intervals"),
            };
            (t > 0.0).then(|| (t.ln(), (o.entry > 0.0).then(|| o.entry.ln()), o.count, failure))
        })
        .collect();
    let r: f64 = rows.iter().filter(|x| x.3).map(|x| x.2).sum();
    let mean_ln_fail = rows.iter().filter(|x| x.3).map(|x| x.2 * x.0).sum::<f64>() / r;
    let m = rows.iter().map(|x| x.0).fold(f64::MIN, f64::max);
    // Σ w (t^β − e^β) and Σ w (t^β ln t − e^β ln e), both scaled by e^{−βm}.
    let sums = |beta: f64| {
        let (mut a, mut da) = (0.0, 0.0);
        for &(lt, le, w, _) in &rows {
            let tb = (beta * (lt - m)).exp();
            match le {
                None => {
                    a += w * tb;
                    da += w * tb * lt;
                }
                Some(le) => {
                    let eb = (beta * (le - m)).exp();
                    a += w * tb * -(beta * (le - lt)).exp_m1();
                    da += w * (tb * lt - eb * le);
                }
            }
        }
        (a, da)
    };
    // The profile score: 1/β + mean ln t_fail − Σ w t^β ln t / Σ w t^β.
    let score = |beta: f64| {
        let (a, da) = sums(beta);
        1.0 / beta + mean_ln_fail - da / a
    };
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64); // in ln β
    while score(lo.exp()) < 0.0 {
        lo -= 1.0;
        if lo < -12.0 {
            return Err(FitError::NoConvergence("β would be below 1e-5".into()));
        }
    }
    while score(hi.exp()) > 0.0 {
        hi += 1.0;
        if hi > 8.0 {
            return Err(FitError::NoConvergence(
                "β would exceed 3000: the failures and suspensions leave no spread to fit a slope to".into(),
            ));
        }
    }
    // Illinois false position on ln β: superlinear, and never leaves the
    // bracket (about 10 evaluations instead of bisection's 60).
    let (mut f_lo, mut f_hi) = (score(lo.exp()), score(hi.exp()));
    let (mut x, mut side) = (0.5 * (lo + hi), 0);
    for _ in 0..200 {
        let next = if f_lo > f_hi { (lo * f_hi - hi * f_lo) / (f_hi - f_lo) } else { 0.5 * (lo + hi) };
        let next = if next > lo && next < hi { next } else { 0.5 * (lo + hi) };
        let done = (next - x).abs() <= 1e-15 * (1.0 + next.abs());
        x = next;
        let f = score(x.exp());
        if done || f == 0.0 {
            break;
        }
        if f > 0.0 {
            (lo, f_lo) = (x, f);
            if side == 1 {
                f_hi *= 0.5;
            }
            side = 1;
        } else {
            (hi, f_hi) = (x, f);
            if side == -1 {
                f_lo *= 0.5;
            }
            side = -1;
        }
    }
    let beta = x.exp();
    let (a, _) = sums(beta);
    // η^β = A / r, with A scaled by e^{−βm}.
    let eta = ((a.ln() + beta * m - r.ln()) / beta).exp();
    if !(beta.is_finite() && eta.is_finite() && eta > 0.0) {
        return Err(FitError::NoConvergence(format!("the estimate is not finite (β = {beta}, η = {eta})")));
    }
    Ok((beta, eta))
}

/// Damped Newton ascent of the full likelihood in (ln β, ln η).
fn newton(data: &[Obs], start: (f64, f64)) -> Result<(f64, f64), FitError> {
    let (mut u, mut v) = (start.0.ln(), start.1.ln());
    let (mut ll, _, _) = derivatives(data, u.exp(), v.exp());
    if !ll.is_finite() {
        return Err(FitError::NoConvergence("the starting point has no likelihood".into()));
    }
    let mut lambda = 0.0;
    for _ in 0..500 {
        let (beta, eta) = (u.exp(), v.exp());
        let (_, g, h) = derivatives(data, beta, eta);
        // Gradient and Hessian in the log parameters.
        let gu = [beta * g[0], eta * g[1]];
        let hu = [
            [beta * beta * h[0][0] + beta * g[0], beta * eta * h[0][1]],
            [beta * eta * h[0][1], eta * eta * h[1][1] + eta * g[1]],
        ];
        if gu[0].abs() < 1e-10 * (1.0 + ll.abs()) && gu[1].abs() < 1e-10 * (1.0 + ll.abs()) {
            return Ok((beta, eta));
        }
        let mut improved = false;
        for _ in 0..60 {
            // Solve (−H + λ I) s = g: a Newton step while −H is positive
            // definite, bending towards the gradient as λ grows.
            let a = [[-hu[0][0] + lambda, -hu[0][1]], [-hu[1][0], -hu[1][1] + lambda]];
            let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
            let pos_def = a[0][0] > 0.0 && det > 0.0;
            if pos_def {
                let s = [(a[1][1] * gu[0] - a[0][1] * gu[1]) / det, (a[0][0] * gu[1] - a[1][0] * gu[0]) / det];
                let scale = 1.0_f64.min(2.0 / s[0].abs().max(s[1].abs()).max(1e-300));
                let (nu, nv) = (u + scale * s[0], v + scale * s[1]);
                let (nll, _, _) = derivatives(data, nu.exp(), nv.exp());
                if nll.is_finite() && nll >= ll - 1e-12 * ll.abs() {
                    let tiny = (nu - u).abs().max((nv - v).abs()) < 1e-14;
                    (u, v, ll) = (nu, nv, nll);
                    lambda *= 0.1;
                    improved = true;
                    if tiny {
                        return Ok((u.exp(), v.exp()));
                    }
                    break;
                }
            }
            lambda = if lambda == 0.0 { 1e-6 * (1.0 + hu[0][0].abs() + hu[1][1].abs()) } else { lambda * 10.0 };
        }
        if !improved {
            return Ok((u.exp(), v.exp()));
        }
    }
    Err(FitError::NoConvergence("no convergence after 500 Newton steps".into()))
}

/// z = (t/η)^β and its first and second derivatives in (β, η).
struct Z {
    z: f64,
    d: [f64; 2],
    dd: [[f64; 2]; 2],
}

fn z_of(t: f64, beta: f64, eta: f64) -> Z {
    if t <= 0.0 {
        return Z { z: 0.0, d: [0.0; 2], dd: [[0.0; 2]; 2] };
    }
    let x = t.ln() - eta.ln();
    let z = (beta * x).exp();
    let dbe = -z * (1.0 + beta * x) / eta;
    Z { z, d: [x * z, -beta * z / eta], dd: [[x * x * z, dbe], [dbe, beta * (beta + 1.0) * z / (eta * eta)]] }
}

/// The log-likelihood, its gradient and its Hessian in (β, η).
pub fn derivatives(data: &[Obs], beta: f64, eta: f64) -> (f64, [f64; 2], [[f64; 2]; 2]) {
    let mut ll = 0.0;
    let mut g = [0.0; 2];
    let mut h = [[0.0; 2]; 2];
    let mut add = |w: f64, l: f64, gi: [f64; 2], hi: [[f64; 2]; 2]| {
        ll += w * l;
        for i in 0..2 {
            g[i] += w * gi[i];
            for j in 0..2 {
                h[i][j] += w * hi[i][j];
            }
        }
    };
    let neg = |z: &Z| (-z.z, [-z.d[0], -z.d[1]], [[-z.dd[0][0], -z.dd[0][1]], [-z.dd[1][0], -z.dd[1][1]]]);
    for o in data {
        let w = o.count;
        match o.kind {
            Kind::Exact(t) => {
                // ln f = ln β − ln η + (β − 1) x − z.
                let x = t.ln() - eta.ln();
                let z = z_of(t, beta, eta);
                add(
                    w,
                    beta.ln() - eta.ln() + (beta - 1.0) * x - z.z,
                    [1.0 / beta + x - z.d[0], -beta / eta - z.d[1]],
                    [
                        [-1.0 / (beta * beta) - z.dd[0][0], -1.0 / eta - z.dd[0][1]],
                        [-1.0 / eta - z.dd[1][0], beta / (eta * eta) - z.dd[1][1]],
                    ],
                );
            }
            Kind::Right(t) => {
                let (l, gi, hi) = neg(&z_of(t, beta, eta));
                add(w, l, gi, hi);
            }
            Kind::Interval(a, b) => {
                // ln(S(a) − S(b)) = −z_a + h(Δ), Δ = z_b − z_a, h = ln(1 − e^{−Δ}).
                let (za, zb) = (z_of(a, beta, eta), z_of(b, beta, eta));
                let delta = zb.z - za.z;
                let h0 = (-(-delta).exp_m1()).ln();
                let h1 = 1.0 / delta.exp_m1();
                let h2 = -h1 * (1.0 + h1);
                let dd = [zb.d[0] - za.d[0], zb.d[1] - za.d[1]];
                let mut hi = [[0.0; 2]; 2];
                for i in 0..2 {
                    for j in 0..2 {
                        hi[i][j] = -za.dd[i][j] + h2 * dd[i] * dd[j] + h1 * (zb.dd[i][j] - za.dd[i][j]);
                    }
                }
                add(w, -za.z + h0, [-za.d[0] + h1 * dd[0], -za.d[1] + h1 * dd[1]], hi);
            }
        }
        if o.entry > 0.0 {
            // Delayed entry: the likelihood is conditional on surviving to
            // the entry, so each observation adds back −ln R(e) = z_e.
            let ze = z_of(o.entry, beta, eta);
            add(w, ze.z, ze.d, ze.dd);
        }
    }
    (ll, g, h)
}

/// (−H)⁻¹ for a 2×2 Hessian; None when singular or not a maximum.
fn invert_negated(h: [[f64; 2]; 2]) -> Option<[[f64; 2]; 2]> {
    let a = [[-h[0][0], -h[0][1]], [-h[1][0], -h[1][1]]];
    let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    (det > 0.0 && det.is_finite()).then(|| [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn right(t: f64, n: f64) -> Obs {
        Obs::new(Kind::Right(t), n)
    }
    fn exact(t: f64) -> Obs {
        Obs::new(Kind::Exact(t), 1.0)
    }

    /// The analytic derivatives agree with finite differences of the
    /// likelihood for every kind of observation.
    #[test]
    fn derivatives_match_finite_differences() {
        let data = vec![
            exact(3.0),
            right(5.0, 2.0),
            Obs::new(Kind::Interval(1.0, 4.0), 3.0),
            Obs::new(Kind::Interval(0.0, 2.0), 1.0),
            Obs { kind: Kind::Exact(7.0), entry: 2.0, count: 1.0 },
        ];
        let (b, e) = (1.3, 4.5);
        let (_, g, h) = derivatives(&data, b, e);
        let eps = 1e-6;
        let ll = |b: f64, e: f64| derivatives(&data, b, e).0;
        let gb = (ll(b + eps, e) - ll(b - eps, e)) / (2.0 * eps);
        let ge = (ll(b, e + eps) - ll(b, e - eps)) / (2.0 * eps);
        assert!((gb - g[0]).abs() < 1e-6, "{gb} vs {}", g[0]);
        assert!((ge - g[1]).abs() < 1e-6, "{ge} vs {}", g[1]);
        let gr = |b: f64, e: f64| derivatives(&data, b, e).1;
        let hbb = (gr(b + eps, e)[0] - gr(b - eps, e)[0]) / (2.0 * eps);
        let hbe = (gr(b, e + eps)[0] - gr(b, e - eps)[0]) / (2.0 * eps);
        let hee = (gr(b, e + eps)[1] - gr(b, e - eps)[1]) / (2.0 * eps);
        assert!((hbb - h[0][0]).abs() < 1e-5 && (hbe - h[0][1]).abs() < 1e-5 && (hee - h[1][1]).abs() < 1e-5);
        assert_eq!(h[0][1], h[1][0]);
    }

    /// Complete exact data with β = 1 known: the exponential MLE is the
    /// mean, so a fit of the profile at its optimum must give a score of 0;
    /// checked by hand: times 1, 2, 3, 4, suspensions none. At the MLE the
    /// full gradient vanishes.
    #[test]
    fn the_estimate_zeroes_the_score() {
        let data = vec![exact(1.0), exact(2.0), exact(3.0), exact(4.0), right(6.0, 3.0)];
        let f = fit(&data).unwrap();
        let (_, g, _) = derivatives(&data, f.beta, f.eta);
        assert!(g[0].abs() < 1e-8 && g[1].abs() < 1e-8, "{g:?}");
        // The same data as intervals of width zero-ish go through Newton.
        let data_iv: Vec<Obs> = data
            .iter()
            .map(|o| if let Kind::Exact(t) = o.kind { Obs::new(Kind::Interval(t - 1e-7, t), 1.0) } else { *o })
            .collect();
        let f2 = fit(&data_iv).unwrap();
        assert!((f2.beta - f.beta).abs() < 1e-5 && (f2.eta - f.eta).abs() < 1e-5, "{f2:?} vs {f:?}");
    }

    #[test]
    fn no_failures_and_one_failure_are_refused() {
        assert_eq!(fit(&[right(5.0, 10.0)]), Err(FitError::NoFailures));
        assert_eq!(fit(&[right(5.0, 10.0), exact(2.0)]), Err(FitError::TooFewFailures(1.0)));
    }

    /// B10 and MTTF by hand for β = 2, η = 100: B10 = 100·√(−ln 0.9) =
    /// 32.4592; MTTF = 100·Γ(1.5) = 88.6227.
    #[test]
    fn b10_and_mttf() {
        let f = Fit {
            beta: 2.0,
            eta: 100.0,
            cov: [[0.01, 0.0], [0.0, 1.0]],
            log_likelihood: -10.0,
            observations: 10.0,
            failures: 5.0,
        };
        assert!((f.b10() - 32.459_20).abs() < 1e-4, "{}", f.b10());
        assert!((f.mttf() - 88.622_69).abs() < 1e-4, "{}", f.mttf());
        // AICc = 4 + 20 + 12/7; BIC = 2 ln 10 + 20.
        assert!((f.aicc().unwrap() - (24.0 + 12.0 / 7.0)).abs() < 1e-12);
        assert!((f.bic() - (2.0 * 10f64.ln() + 20.0)).abs() < 1e-12);
    }
}
