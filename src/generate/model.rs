//! The generator's model: hazards by component and line, early life,
//! batch factors, stations, and the random streams and samplers; the truth
//! file's shape.

use super::*;

/// Monthly quality-failure hazard per unit in service, household line,
/// before the early-life factor and batch factors.
pub(super) const BASE_HAZARD: &[(&str, f64)] = &[
    ("compressor", 0.00045),
    ("four_way_valve", 0.00030),
    ("evaporator", 0.00020),
    ("heat_exchanger", 0.00015),
    ("condenser", 0.00020),
    ("motor", 0.00055),
    ("controller", 0.00070),
    ("sensor", 0.00050),
    ("other", 0.00035),
];
pub(super) const LINE_FACTOR: &[(&str, f64)] =
    &[("household", 1.0), ("commercial_economy", 1.4), ("commercial_deluxe", 0.9)];
pub(super) const LINE_MIX: &[f64] = &[0.70, 0.20, 0.10];
/// Early-life time constant, days.
pub(super) const TAU: f64 = 45.0;
pub(super) const BATCH_SIGMA: f64 = 0.25;
/// Non-quality repairs per quality repair at the base rate.
pub(super) const NON_QUALITY_SHARE: f64 = 0.43;
pub(super) const NON_QUALITY_CAUSES: &[(&str, f64)] = &[
    ("installation", 0.30),
    ("power_supply", 0.20),
    ("maintenance", 0.15),
    ("misuse", 0.12),
    ("natural_disaster", 0.03),
    ("self_repair", 0.05),
    ("other", 0.15),
];

pub(super) struct Station {
    pub(super) id: String,
    pub(super) region: &'static str,
    pub(super) weight: f64,
    /// Median response time, hours.
    pub(super) response_h: f64,
    pub(super) form_late: f64,
    pub(super) form_missing: f64,
    /// The month index from which the station is inactive.
    pub(super) inactive_from: Option<usize>,
}

pub(super) struct Batch {
    pub(super) id: String,
    pub(super) line: usize,
    pub(super) size: u32,
    pub(super) produced: NaiveDate,
    pub(super) factors: Vec<f64>,
}

/// Cumulative early-life-weighted exposure of an age, in days.
pub(super) fn cum_exposure(a: f64) -> f64 {
    a + TAU * (1.0 - (-a / TAU).exp())
}

/// The age whose cumulative exposure is `y` (Newton's method).
pub(super) fn inverse_exposure(y: f64) -> f64 {
    let mut a = y / 2.0;
    for _ in 0..30 {
        let f = cum_exposure(a) - y;
        let d = 1.0 + (-a / TAU).exp();
        let next = (a - f / d).max(0.0);
        if (next - a).abs() < 1e-9 {
            return next;
        }
        a = next;
    }
    a
}

/// A stream of random numbers of its own, so that a change in one part of
/// the model does not shift the randomness of the others.
pub(super) fn stream(seed: u64, part: u64, index: u64) -> Pcg64Mcg {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(part.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(index.wrapping_mul(0x94D0_49BB_1331_11EB));
    Pcg64Mcg::seed_from_u64(mixed)
}

pub(super) fn pick<'x, T>(rng: &mut Pcg64Mcg, weighted: &'x [(T, f64)]) -> &'x T {
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (v, w) in weighted {
        if x < *w {
            return v;
        }
        x -= w;
    }
    &weighted[weighted.len() - 1].0
}

pub(super) fn at_time(d: NaiveDate, hours: f64) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN) + Duration::seconds((hours * 3600.0) as i64)
}

pub(super) const DESCRIPTIONS: &[&str] = &[
    "No heating, unit shows fault code",
    "Loud noise at start-up, \"clicking\" sound",
    "Leaks water onto the floor",
    "Stops after a few minutes, restarts by itself",
    "Weak airflow; filter cleaned, no change",
    "压缩机不启动，外机无声音",
    "制冷效果差，疑似缺氟",
    "Display flickers\nthen goes blank",
    "Smells burnt 🔥 near the outdoor unit",
    "<script>alert('x')</script> in the ticket text",
    "=HYPERLINK(\"http://example.invalid\",\"click\")",
    "+86 customer says: works, then fails",
    "-- customer refused the repair quote",
    "@engineer: please call before visiting",
];

pub(super) const COMMENTS: &[&str] = &[
    "Very satisfied",
    "Engineer was polite, fixed it quickly",
    "服务很好，师傅很专业",
    "Took too long to arrive",
    "OK 👍",
    "Price of the part is too high, \"not fair\"",
    "",
];

pub(super) fn poisson(rng: &mut Pcg64Mcg, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map(|p| p.sample(rng) as u64).unwrap_or(0)
}
