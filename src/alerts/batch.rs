//! `batch_failure`: is a production batch failing faster than the other
//! batches of its product line did at the same ages? Grain: one alert per
//! (product line, batch, component) at most.
//!
//! For each batch b and component c, failing units are counted by the
//! months in service at their first failure, and compared with the count
//! expected from a baseline rate by month in service estimated from the
//! other batches of the line (b left out), applied to b's own exposure in
//! warranty by month in service. So a young batch is judged by young units.
//! The test is an exact one-sided tail: Poisson, or, when the other
//! batches of the line vary beyond Poisson, a Poisson mixed over a
//! lognormal batch factor of mean 1 and variance σ² (σ², the variance of
//! batch factors, is a moment estimate over the to-date window of every
//! line and component, with the batch under test left out). The
//! lognormal, not the negative binomial's gamma, because its right tail is
//! what clean data showed: with a negative binomial, tests on clean data
//! fell below p = 1e-5 13 times as often as they should (the 20-seed
//! alert study, README).
//! Each batch is tested at ages ≤ 1, ≤ 3 and ≤ 6 months in service and to
//! date. Over all tests of the run, `critical` is family-wise (Šidák at
//! 0.01), `warning` is Benjamini–Hochberg FDR at 0.10, and a test needs at
//! least 3 failing units to fire, and a critical needs a baseline of at
//! least 5 other batches (a thinner line's alarm stays a warning);
//! `[alerts]` in the configuration sets all of these.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::exposure::Spans;
use super::stats::{benjamini_hochberg, poisson_lognormal_sf, poisson_sf, sidak};
use super::{Alert, Kind, Severity};
use crate::config::Config;
use crate::metrics::policy;
use crate::month::Month;

/// One batch's exposure (unit-months in warranty) and first failures by
/// month in service, for one component.
#[derive(Debug, Default, Clone)]
struct Profile {
    exposure: Vec<f64>,
    failures: Vec<u64>,
}

impl Test {
    fn key(&self) -> (&str, &str, &str) {
        (&self.line, &self.batch, &self.component)
    }
}

/// Observed and expected failing units by month in service, per (line,
/// batch, component).
type Curves = BTreeMap<(String, String, String), Vec<(u64, f64)>>;

/// Batches the report charts beside the flagged ones: the highest
/// observed/expected to date among those with enough failing units.
pub const WORST: usize = 5;

/// One batch and component as the report shows it: failing units observed
/// and expected at each month in service (leave-one-out baseline), the
/// to-date test, and the alert's severity when it was flagged.
#[derive(Debug, Clone)]
pub struct BatchCurve {
    pub product_line: String,
    pub production_batch: String,
    pub component: String,
    pub units: i64,
    pub observed: Vec<u64>,
    pub expected: Vec<f64>,
    pub p_to_date: f64,
    pub flagged: Option<Severity>,
}

/// One test of one batch, component and window.
#[derive(Debug, Clone)]
struct Test {
    line: String,
    batch: String,
    component: String,
    rule: String,
    observed: u64,
    expected: f64,
    statistic: &'static str,
    p: f64,
    /// Other batches of the line with at least one expected failure: the
    /// evidence behind the baseline and the dispersion estimate.
    baseline_batches: usize,
}

/// The batch alerts of `month`. `batch_units`: M's units by batch
/// (`metrics::batch_units`), `unit_failures` M's failing units by
/// component (`policy::unit_failures`).
/// Exposure before the first day the lake has data for is left out,
/// because no failure from then can have been recorded (counting it would
/// make old batches look healthier than they were).
pub fn batch_alerts(
    batch_units: &DataFrame,
    unit_failures: &DataFrame,
    month: &Month,
    config: &Config,
) -> PolarsResult<(Vec<Alert>, Vec<BatchCurve>)> {
    // The units sold by the end of M, by batch and by the months in service
    // at which their observed spans [from, t) start and end: each batch's
    // exposure by month in service comes from counts and sums per bin
    // (`Spans`).
    let hist = crate::metrics::collect(batch_units.clone().lazy().filter(col("units").gt(lit(0i64))))?;
    // Each batch's size and units still in warranty, from the same pass.
    let sizes =
        crate::metrics::collect(hist.clone().lazy().group_by([col("product_line"), col("production_batch")]).agg([
            col("units").sum(),
            col("main_open").sum(),
            col("unit_open").sum(),
        ]))?;
    // First failure of each unit and component, by months in service: a
    // unit's first report is its lowest age, and `unit_failures` has one
    // row per unit and component, so the units are counted by that age.
    // Unsorted: the counts are added into the profiles (sorting 280k rows
    // by three texts took half of this query).
    let keys = ["product_line", "production_batch", "component", "age"];
    let first = crate::metrics::collect(
        unit_failures
            .clone()
            .lazy()
            .with_column(policy::months_in_service(col("in_service"), col("reported_at")).alias("age"))
            .group_by(keys.map(col))
            .agg([len().cast(DataType::Int64).alias("n")]),
    )?;
    // Profiles per (line, component) → batch.
    let mains: Vec<&str> = config.components.iter().filter(|c| c.main).map(|c| c.code.as_str()).collect();
    let mut profiles: BTreeMap<(String, String), BTreeMap<String, Profile>> = BTreeMap::new();
    let s = crate::metrics::columns::strings;
    let i = crate::metrics::columns::ints;
    let (hl, hb) = (s(&hist, "product_line")?, s(&hist, "production_batch")?);
    let ints = |c: &str| i(&hist, c);
    let (bf, bm, bu) = (ints("bf")?, ints("bm")?, ints("bu")?);
    let (nm, sm, fm, nu, su, fu) = (ints("nm")?, ints("sm")?, ints("fm")?, ints("nu")?, ints("su")?, ints("fu")?);
    // Rows come sorted by (line, batch): each batch's exposure by month in
    // service is worked out once for main parts and once for the rest,
    // then given to every component.
    let mut r = 0;
    while r < hist.height() {
        let (Some(line), Some(batch)) = (hl.get(r), hb.get(r)) else {
            r += 1;
            continue;
        };
        let mut end = r + 1;
        while end < hist.height() && hl.get(end) == Some(line) && hb.get(end) == Some(batch) {
            end += 1;
        }
        let (mut main, mut unit) = (Spans::default(), Spans::default());
        for row in r..end {
            let g = |c: &Int64Chunked| c.get(row).unwrap_or(0);
            main.add(g(&bf), g(&bm), g(&nm), g(&fm), g(&sm));
            unit.add(g(&bf), g(&bu), g(&nu), g(&fu), g(&su));
        }
        let (main, unit) = (main.exposure_by_age(), unit.exposure_by_age());
        for c in &config.components {
            let p = profiles.entry((line.into(), c.code.clone())).or_default().entry(batch.into()).or_default();
            p.exposure = if c.main { main.clone() } else { unit.clone() };
        }
        r = end;
    }
    let (fl, fb, fc, fa, fnn) = (
        s(&first, "product_line")?,
        s(&first, "production_batch")?,
        s(&first, "component")?,
        i(&first, "age")?,
        i(&first, "n")?,
    );
    for r in 0..first.height() {
        let (Some(line), Some(batch), Some(comp)) = (fl.get(r), fb.get(r), fc.get(r)) else { continue };
        let a = fa.get(r).unwrap_or(0).max(0) as usize;
        let p = profiles.entry((line.into(), comp.into())).or_default().entry(batch.into()).or_default();
        if p.failures.len() <= a {
            p.failures.resize(a + 1, 0);
        }
        p.failures[a] += fnn.get(r).unwrap_or(0) as u64;
    }
    let settings = &config.alerts;
    let windows: Vec<(Option<usize>, String)> = settings
        .age_windows
        .iter()
        .map(|&m| (Some(m), format!("age<={m}m")))
        .chain([(None, "to_date".to_string())])
        .collect();
    let (tests, curves) = run_tests(&profiles, &windows, settings.prior_exposure, settings.min_failures);
    let m = tests.iter().filter(|t| t.expected > 0.0).count();
    let critical_level = sidak(settings.critical_alpha, m);
    let ps: Vec<f64> = tests.iter().map(|t| if t.observed >= settings.min_failures { t.p } else { 1.0 }).collect();
    let discovered = benjamini_hochberg(&ps, settings.warning_fdr);

    // Merge the windows that fire for one subject.
    let mut fired: BTreeMap<(String, String, String), Vec<(Severity, &Test)>> = BTreeMap::new();
    for (t, bh) in tests.iter().zip(discovered) {
        if t.observed < settings.min_failures {
            continue;
        }
        // Family-wise control is only claimed when the baseline rests on
        // enough other batches; a thin line's alarm stays a warning.
        let severity = if t.p < critical_level && t.baseline_batches >= settings.min_baseline_batches {
            Severity::Critical
        } else if bh {
            Severity::Warning
        } else {
            continue;
        };
        fired.entry((t.line.clone(), t.batch.clone(), t.component.clone())).or_default().push((severity, t));
    }
    let (sl, sb, su) = (s(&sizes, "product_line")?, s(&sizes, "production_batch")?, i(&sizes, "units")?);
    let (mo, uo) = (i(&sizes, "main_open")?, i(&sizes, "unit_open")?);
    let size_of = |line: &str, batch: &str, main: bool| -> (i64, i64) {
        (0..sizes.height())
            .find(|&r| sl.get(r) == Some(line) && sb.get(r) == Some(batch))
            .map(|r| (su.get(r).unwrap_or(0), if main { mo.get(r) } else { uo.get(r) }.unwrap_or(0)))
            .unwrap_or((0, 0))
    };
    let mut alerts = Vec::new();
    for ((line, batch, component), hits) in fired {
        let severity = hits.iter().map(|h| h.0).max().expect("at least one test fired");
        let best = hits.iter().min_by(|a, b| a.1.p.total_cmp(&b.1.p)).expect("at least one").1;
        let rule = hits.iter().map(|h| h.1.rule.as_str()).collect::<Vec<_>>().join(",");
        let (units, open) = size_of(&line, &batch, mains.contains(&component.as_str()));
        let mut a = Alert::new(Kind::BatchFailure, severity, &month.label, month.provisional, String::new());
        a.product_line = Some(line);
        a.production_batch = Some(batch);
        a.component = Some(component);
        a.observed = Some(best.observed as f64);
        a.expected = Some(best.expected);
        a.statistic = Some(best.statistic.to_string());
        a.p_value = Some(best.p);
        a.rule = Some(rule);
        a.batch_units = Some(units);
        a.units_affected = Some(open);
        alerts.push(a.worded(config).with_id());
    }

    // The flagged batches, then the worst of the rest by observed/expected
    // to date.
    let to_date = |t: &&Test| t.rule == "to_date";
    let flagged: BTreeMap<(&str, &str, &str), Severity> = alerts
        .iter()
        .map(|a| {
            let key = (
                a.product_line.as_deref().unwrap_or(""),
                a.production_batch.as_deref().unwrap_or(""),
                a.component.as_deref().unwrap_or(""),
            );
            (key, a.severity)
        })
        .collect();
    let mut chosen: Vec<&Test> = tests.iter().filter(to_date).filter(|t| flagged.contains_key(&t.key())).collect();
    let mut rest: Vec<&Test> = tests
        .iter()
        .filter(to_date)
        .filter(|t| t.observed >= settings.min_failures && !flagged.contains_key(&t.key()))
        .collect();
    rest.sort_by(|a, b| {
        (b.observed as f64 / b.expected).total_cmp(&(a.observed as f64 / a.expected)).then(a.p.total_cmp(&b.p))
    });
    chosen.extend(rest.into_iter().take(WORST));
    let batch_curves = chosen
        .into_iter()
        .map(|t| {
            let mut curve = curves[&(t.line.clone(), t.batch.clone(), t.component.clone())].clone();
            // Up to the oldest age the batch has reached.
            while curve.last().is_some_and(|c| c.0 == 0 && c.1 == 0.0) {
                curve.pop();
            }
            let main = mains.contains(&t.component.as_str());
            BatchCurve {
                product_line: t.line.clone(),
                production_batch: t.batch.clone(),
                component: t.component.clone(),
                units: size_of(&t.line, &t.batch, main).0,
                observed: curve.iter().map(|c| c.0).collect(),
                expected: curve.iter().map(|c| c.1).collect(),
                p_to_date: t.p,
                flagged: flagged.get(&t.key()).copied(),
            }
        })
        .collect();
    Ok((alerts, batch_curves))
}

/// Exposure and first failures by month in service, summed over batches.
fn age_totals(batches: &BTreeMap<String, Profile>) -> (Vec<f64>, Vec<u64>) {
    let ages = batches.values().map(|p| p.exposure.len().max(p.failures.len())).max().unwrap_or(0);
    let mut x = vec![0.0; ages];
    let mut f = vec![0u64; ages];
    for p in batches.values() {
        for (a, v) in p.exposure.iter().enumerate() {
            x[a] += v;
        }
        for (a, v) in p.failures.iter().enumerate() {
            f[a] += v;
        }
    }
    (x, f)
}

/// One batch-component's share of the dispersion estimate, from its
/// to-date failing units `o` and expectation `e`: ((o − e)² − e, e²), or
/// nothing when e < 1 (too little to say) or o is already far outside
/// Poisson (p < 1e-6: a bad batch is not part of the normal spread).
fn moment(o: u64, e: f64) -> (f64, f64) {
    if e >= 1.0 && poisson_sf(o, e) >= 1e-6 {
        ((o as f64 - e).powi(2) - e, e * e)
    } else {
        (0.0, 0.0)
    }
}

/// Batch-components a dispersion estimate needs. Not
/// `alerts.min_baseline_batches` (how many batches a critical alert's
/// baseline needs): this is the sample size below which a variance of
/// batch factors is noise, and the test falls back to Poisson.
const MIN_MOMENTS: usize = 5;

/// σ² for one batch: the run's summed moments (Σ, Σe², how many) with the
/// batch's own left out; 0 (a Poisson test) with fewer than `MIN_MOMENTS`
/// left.
fn loo_sigma2(line: (f64, f64, usize), own: (f64, f64, usize)) -> f64 {
    if line.2 - own.2 >= MIN_MOMENTS && line.1 - own.1 > 0.0 {
        ((line.0 - own.0) / (line.1 - own.1)).max(0.0)
    } else {
        0.0
    }
}

/// Every test of every batch: leave-one-out baseline by age, dispersion per
/// line, exact tail per window. A test with fewer than `min_failures`
/// failing units can never fire, and its p-value is never read (the
/// false-alarm controls count it as 1): it keeps the plain Poisson tail.
fn run_tests(
    profiles: &BTreeMap<(String, String), BTreeMap<String, Profile>>,
    windows: &[(Option<usize>, String)],
    prior_exposure: f64,
    min_failures: u64,
) -> (Vec<Test>, Curves) {
    let mut curves = Curves::new();
    // Each component's age profile over every line: the rate at each month
    // in service relative to the all-age rate. A line with few batches
    // borrows this shape (the early-life bump) where its own batches have
    // little exposure at an age.
    let mut shape: BTreeMap<&String, Vec<f64>> = BTreeMap::new();
    for ((_, component), batches) in profiles {
        let (x, f) = age_totals(batches);
        let entry = shape.entry(component).or_default();
        if entry.len() < x.len() * 2 {
            entry.resize(x.len() * 2, 0.0);
        }
        for a in 0..x.len() {
            entry[2 * a] += x[a];
            entry[2 * a + 1] += f[a] as f64;
        }
    }
    // (all-age rate over every line, rate by age relative to it)
    let shape: BTreeMap<&String, (f64, Vec<f64>)> = shape
        .into_iter()
        .map(|(c, xf)| {
            let (x, f): (f64, f64) = xf.chunks(2).fold((0.0, 0.0), |(a, b), p| (a + p[0], b + p[1]));
            let all = if x > 0.0 { f / x } else { 0.0 };
            let by_age = xf.chunks(2).map(|p| if p[0] > 0.0 && all > 0.0 { p[1] / p[0] / all } else { 1.0 }).collect();
            (c, (all, by_age))
        })
        .collect();

    // Observed and expected per batch and window, per (line, component).
    #[allow(clippy::type_complexity)]
    let mut observed: Vec<(&String, &String, Vec<(&String, Vec<(u64, f64)>)>)> = Vec::new();
    for ((line, component), batches) in profiles {
        let shape_of = |a: usize| shape.get(component).and_then(|s| s.1.get(a)).copied().unwrap_or(1.0);
        let pooled = shape.get(component).map(|s| s.0).unwrap_or(0.0);
        let (total_x, total_f) = age_totals(batches);
        let ages = total_x.len();
        tracing::debug!(
            "{line} {component}: {} batches, {:.0} unit-months, {} first failures",
            batches.len(),
            total_x.iter().sum::<f64>(),
            total_f.iter().sum::<u64>()
        );
        // Observed and leave-one-out expected per batch and window. The
        // baseline rate at each age is shrunk towards the other batches'
        // all-age rate, shaped by the component's age profile, with
        // `prior_exposure` unit-months of weight, so an age that few other
        // batches have reached does not give a noisy (often zero)
        // expectation.
        let all_x: f64 = total_x.iter().sum();
        let all_f: u64 = total_f.iter().sum();
        let per_batch: Vec<(&String, Vec<(u64, f64)>)> = batches
            .iter()
            .map(|(b, p)| {
                let own_x: f64 = p.exposure.iter().sum();
                let own_f: u64 = p.failures.iter().sum();
                // The other batches' level, itself shrunk towards the
                // component's rate over every line: a line with few batches
                // does not rest on a handful of failures.
                let rest_rate =
                    ((all_f - own_f) as f64 + prior_exposure * pooled) / ((all_x - own_x).max(0.0) + prior_exposure);
                // Observed and expected failing units at each month in service.
                let curve: Vec<(u64, f64)> = (0..ages)
                    .map(|a| {
                        let x = p.exposure.get(a).copied().unwrap_or(0.0);
                        let f = p.failures.get(a).copied().unwrap_or(0);
                        let (rest_x, rest_f) = (total_x[a] - x, (total_f[a] - f) as f64);
                        let prior = rest_rate * shape_of(a);
                        let rate = (rest_f + prior_exposure * prior) / (rest_x.max(0.0) + prior_exposure);
                        (f, rate * x)
                    })
                    .collect();
                let windows = windows
                    .iter()
                    .map(|(max_age, _)| {
                        let top = max_age.map(|m| (m + 1).min(ages)).unwrap_or(ages);
                        curve[..top].iter().fold((0, 0.0), |(o, e), (f, x)| (o + f, e + x))
                    })
                    .collect();
                curves.insert((line.clone(), b.clone(), component.clone()), curve);
                (b, windows)
            })
            .collect();
        observed.push((line, component, per_batch));
    }

    // Batch-to-batch variation beyond Poisson, from the to-date window:
    // σ², the variance of batch factors, is a moment estimate Σ((o − e)² −
    // e) / Σe² pooled over every line and component of the run (per line
    // and component there are too few batches: the estimate was often 0, or
    // moved by one batch, and let ordinary batches look alarming). The
    // batch under test is left out, and so is any batch-component already
    // far outside Poisson (p < 1e-6): a known bad batch is not part of the
    // normal spread it is judged against.
    // (line, batch) → the moments of its components; `all`, their sums.
    let mut by_batch: BTreeMap<(&str, &str), (f64, f64, usize)> = BTreeMap::new();
    let mut all = (0.0, 0.0, 0usize);
    for (line, _, per_batch) in &observed {
        for (batch, w) in per_batch {
            let (o, e) = w[windows.len() - 1];
            let (m1, m2) = moment(o, e);
            let n = usize::from(m2 > 0.0);
            for acc in [by_batch.entry((line.as_str(), batch.as_str())).or_default(), &mut all] {
                acc.0 += m1;
                acc.1 += m2;
                acc.2 += n;
            }
        }
    }
    // The tail integrals are most of the alerts' time (tens of thousands
    // of tests at 10M units): each line and component on its own core,
    // the tests in the same order as one loop would give.
    let tested = crate::cores::on_every_core(&observed, |(line, component, per_batch)| {
        // Other batches of the line with an expectation for this component:
        // the evidence behind the baseline.
        let with_e = per_batch.iter().filter(|(_, w)| w[windows.len() - 1].1 >= 1.0).count();
        let mut tests = Vec::new();
        for (batch, counts) in per_batch {
            let own_e = counts[windows.len() - 1].1 >= 1.0;
            let baseline_batches = with_e - usize::from(own_e);
            let (b1, b2, bn) = by_batch[&(line.as_str(), batch.as_str())];
            let sigma2 = loo_sigma2(all, (b1, b2, bn));
            tracing::trace!("{line} {batch} {component}: sigma2 {sigma2:.4}");
            for (&(o, e), (_, rule)) in counts.iter().zip(windows) {
                if e <= 0.0 {
                    continue;
                }
                let poisson = poisson_sf(o, e);
                // At or below expectation (Poisson tail ≥ 0.5) no mixing
                // brings a test near any alert level: the integral, 181
                // tail evaluations, is skipped (half the tests at 10M units).
                // So it is below `min_failures`, where no test fires.
                let (statistic, p) = if sigma2 > 0.0 && poisson < 0.5 && o >= min_failures {
                    ("poisson_lognormal", poisson_lognormal_sf(o, e, sigma2))
                } else {
                    ("poisson_exact", poisson)
                };
                tests.push(Test {
                    line: (*line).clone(),
                    batch: (*batch).clone(),
                    component: (*component).clone(),
                    rule: rule.clone(),
                    observed: o,
                    expected: e,
                    statistic,
                    p,
                    baseline_batches,
                });
            }
        }
        tests
    });
    let tests = tested.into_iter().flatten().collect();
    (tests, curves)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three batches of one line and component, 100 unit-months at each of
    /// two months in service; B1 and B2 have one first failure at each
    /// age, B3 four and six. With no prior weight, a batch's expectation at
    /// an age is its exposure times the other two batches' rate there:
    /// - B3: age 0, 2 / 200 × 100 = 1.0; age 1, 2 / 200 × 100 = 1.0;
    ///   so 4 against 1.0 by age 0 and 10 against 2.0 to date;
    /// - B1 (and B2): age 0, 5 / 200 × 100 = 2.5; age 1, 7 / 200 × 100 = 3.5;
    ///   so 1 against 2.5 and 2 against 6.0.
    ///
    /// Dispersion needs 5 other batch-components; there are 2, so every
    /// test is an exact Poisson tail: P(X ≥ 4 | 1) = 1 − e⁻¹(1 + 1 + ½ + ⅙)
    /// = 0.0189882 and P(X ≥ 10 | 2) = 4.6498e-5 (scipy.stats.poisson.sf(9, 2)).
    #[test]
    fn each_batch_is_judged_against_the_others_at_the_same_ages() {
        let profile = |f0, f1| Profile { exposure: vec![100.0, 100.0], failures: vec![f0, f1] };
        let batches: BTreeMap<String, Profile> = [("B1", profile(1, 1)), ("B2", profile(1, 1)), ("B3", profile(4, 6))]
            .into_iter()
            .map(|(b, p)| (b.to_string(), p))
            .collect();
        let profiles = BTreeMap::from([(("hh".to_string(), "comp".to_string()), batches)]);
        let windows = [(Some(0), "age<=0m".to_string()), (None, "to_date".to_string())];
        let (tests, curves) = run_tests(&profiles, &windows, 0.0, 3);
        let got: Vec<(&str, &str, u64, usize)> =
            tests.iter().map(|t| (t.batch.as_str(), t.rule.as_str(), t.observed, t.baseline_batches)).collect();
        assert_eq!(
            got,
            [
                ("B1", "age<=0m", 1, 2),
                ("B1", "to_date", 2, 2),
                ("B2", "age<=0m", 1, 2),
                ("B2", "to_date", 2, 2),
                ("B3", "age<=0m", 4, 2),
                ("B3", "to_date", 10, 2),
            ]
        );
        let expected: Vec<f64> = tests.iter().map(|t| t.expected).collect();
        for (e, want) in expected.iter().zip([2.5, 6.0, 2.5, 6.0, 1.0, 2.0]) {
            assert!((e - want).abs() < 1e-9, "{expected:?}");
        }
        assert!(tests.iter().all(|t| t.statistic == "poisson_exact"));
        assert!((tests[4].p - 0.018_988_2).abs() < 1e-7, "{}", tests[4].p);
        assert!((tests[5].p - 4.6498e-5).abs() < 1e-8, "{}", tests[5].p);
        let b3 = &curves[&("hh".to_string(), "B3".to_string(), "comp".to_string())];
        assert_eq!(b3.iter().map(|c| c.0).collect::<Vec<_>>(), [4, 6]);
        assert!(b3.iter().all(|c| (c.1 - 1.0).abs() < 1e-9), "{b3:?}");
    }

    /// Eight batches of 100 unit-months, spread well beyond Poisson, so
    /// the tests mix over batch factors; and B9, 10 unit-months with 2
    /// failing units against about 0.7 expected (Poisson tail about 0.16).
    /// With `min_failures` 3, B9 can never fire: it keeps the plain Poisson
    /// tail, and the mixing integral is not computed for it. With 1 it is.
    #[test]
    fn a_test_below_min_failures_keeps_the_poisson_tail() {
        let profile = |x, f| Profile { exposure: vec![x], failures: vec![f] };
        let mut batches: BTreeMap<String, Profile> = [0, 10, 2, 12, 1, 9, 3, 11]
            .iter()
            .enumerate()
            .map(|(i, &f)| (format!("B{i}"), profile(100.0, f)))
            .collect();
        batches.insert("B9".into(), profile(10.0, 2));
        let profiles = BTreeMap::from([(("hh".to_string(), "comp".to_string()), batches)]);
        let windows = [(None, "to_date".to_string())];
        let b9 = |min| {
            let (tests, _) = run_tests(&profiles, &windows, 0.0, min);
            let t = tests.into_iter().find(|t| t.batch == "B9").expect("B9 is tested");
            (t.statistic, t.observed, t.expected, t.p)
        };
        let (statistic, observed, expected, p) = b9(3);
        assert_eq!((statistic, observed), ("poisson_exact", 2));
        assert!((expected - 48.0 / 800.0 * 10.0).abs() < 1e-9, "{expected}");
        assert!((p - poisson_sf(2, expected)).abs() < 1e-15, "{p}");
        assert_eq!(b9(1).0, "poisson_lognormal");
        assert!(b9(1).3 > p, "mixing widens the tail");
    }

    #[test]
    fn dispersion_is_pooled_and_leaves_the_batch_out() {
        // 15 failing units against 10 expected: (25 − 10, 100).
        assert_eq!(moment(15, 10.0), (15.0, 100.0));
        // Fewer than 1 expected says nothing.
        assert_eq!(moment(3, 0.5), (0.0, 0.0));
        // 95 against 9.7 (the sample's planted batch) is no ordinary spread.
        assert_eq!(moment(95, 9.7), (0.0, 0.0));
        // All: Σ = 30, Σe² = 400 over 6; the batch's own 15 / 100 left out
        // leaves 15 / 300 = 0.05.
        assert!((loo_sigma2((30.0, 400.0, 6), (15.0, 100.0, 1)) - 0.05).abs() < 1e-12);
        // Four others are too few: a Poisson test.
        assert_eq!(loo_sigma2((30.0, 400.0, 5), (15.0, 100.0, 1)), 0.0);
        // Under-dispersed others give 0, never a negative variance.
        assert_eq!(loo_sigma2((-30.0, 400.0, 8), (0.0, 0.0, 0)), 0.0);
    }
}
