//! `qfb generate`: monthly drops that behave like a real service network,
//! written exactly as headquarters receives them, plus a truth file beside
//! them. Deterministic: the same options give byte-identical output.
//!
//! The model, in brief (the truth file records every parameter):
//! - production batches of 1,000–3,000 units, each in one product line,
//!   produced evenly over the period from a year before the first drop;
//!   sold 10–120 days after production, installed 0–30 days after sale
//!   (8% with no install date);
//! - quality failures per component and product line at a monthly hazard,
//!   times an early-life factor `1 + exp(-age / 45 days)`, times a
//!   lognormal batch × component factor (σ = 0.25, mean 1), which a
//!   planted batch's FACTOR replaces; non-quality repairs at 43% of the
//!   base quality rate (so about 30% of repairs), flat in age;
//! - stations of different sizes and habits: response times with a tail
//!   and a few slow stations, return visits, parts orders with a few late or
//!   wrong shipments, monthly forms with some late or missing;
//! - what real drops contain: repairs re-sent with their completion,
//!   late shipments re-sent when shipped, forms for M in drop M+1,
//!   corrections, orphan references, Chinese headers and codes, one
//!   GB18030 file, one XLSX file, and awkward free text.
//!
//! Units are generated batch by batch and streamed to per-drop files, so
//! memory stays small at 10 million units.

mod out;

use std::path::PathBuf;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, LogNormal, Poisson};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

use crate::config::Config;
use crate::error::{write_err, Error, Result};
use crate::month::{first_day, DAYS_PER_MONTH};
use crate::schema::Schemas;
use out::{Cell, Drops, Style};

/// A planted defective batch: `COMPONENT:FACTOR[:WHEN]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plant {
    pub component: String,
    pub factor: f64,
    /// Where in the production period the batch is made, 0 to 1.
    pub when: f64,
}

impl std::str::FromStr for Plant {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Plant, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let bad = || format!("`{s}` is not COMPONENT:FACTOR[:WHEN]");
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let factor: f64 = parts[1].parse().map_err(|_| bad())?;
        let when: f64 = parts.get(2).map(|w| w.parse()).transpose().map_err(|_| bad())?.unwrap_or(0.5);
        if factor <= 0.0 || !(0.0..=1.0).contains(&when) {
            return Err(format!("`{s}`: FACTOR must be > 0 and WHEN within 0..1"));
        }
        Ok(Plant { component: parts[0].to_string(), factor, when })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Options {
    #[serde(skip)]
    pub out: PathBuf,
    pub seed: u64,
    /// Units produced; those sold by the end month appear in the drops.
    pub units: u64,
    pub months: u32,
    pub end_month: String,
    pub stations: u32,
    pub bad_rows: bool,
    pub plants: Vec<Plant>,
    pub utf8_only: bool,
}

/// What was written.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: Vec<(PathBuf, u64)>,
    pub units_sold: u64,
    pub repairs: u64,
}

/// Monthly quality-failure hazard per unit in service, household line,
/// before the early-life factor and batch factors.
const BASE_HAZARD: &[(&str, f64)] = &[
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
const LINE_FACTOR: &[(&str, f64)] = &[("household", 1.0), ("commercial_economy", 1.4), ("commercial_deluxe", 0.9)];
const LINE_MIX: &[f64] = &[0.70, 0.20, 0.10];
/// Early-life time constant, days.
const TAU: f64 = 45.0;
const BATCH_SIGMA: f64 = 0.25;
/// Non-quality repairs per quality repair at the base rate.
const NON_QUALITY_SHARE: f64 = 0.43;
const NON_QUALITY_CAUSES: &[(&str, f64)] = &[
    ("installation", 0.30),
    ("power_supply", 0.20),
    ("maintenance", 0.15),
    ("misuse", 0.12),
    ("natural_disaster", 0.03),
    ("self_repair", 0.05),
    ("other", 0.15),
];

#[derive(Debug, Serialize)]
struct Truth<'a> {
    about: &'static str,
    options: &'a Options,
    months: Vec<String>,
    monthly_hazard: Vec<(String, String, f64)>,
    early_life: &'static str,
    batch_sigma: f64,
    non_quality_share: f64,
    batches: Vec<BatchTruth>,
    planted: Vec<PlantedTruth>,
}

#[derive(Debug, Serialize)]
struct BatchTruth {
    production_batch: String,
    product_line: String,
    units: u32,
    production_date: String,
    /// Hazard factor per component, in catalog order (planted included).
    factors: Vec<f64>,
}

#[derive(Debug, Serialize)]
struct PlantedTruth {
    production_batch: String,
    product_line: String,
    component: String,
    factor: f64,
    production_date: String,
    units: u32,
}

struct Station {
    id: String,
    region: &'static str,
    weight: f64,
    /// Median response time, hours.
    response_h: f64,
    form_late: f64,
    form_missing: f64,
    /// The month index from which the station is inactive.
    inactive_from: Option<usize>,
}

struct Batch {
    id: String,
    line: usize,
    size: u32,
    produced: NaiveDate,
    factors: Vec<f64>,
}

/// Cumulative early-life-weighted exposure of an age, in days.
fn cum_exposure(a: f64) -> f64 {
    a + TAU * (1.0 - (-a / TAU).exp())
}

/// The age whose cumulative exposure is `y` (Newton's method).
fn inverse_exposure(y: f64) -> f64 {
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
fn stream(seed: u64, part: u64, index: u64) -> Pcg64Mcg {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(part.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(index.wrapping_mul(0x94D0_49BB_1331_11EB));
    Pcg64Mcg::seed_from_u64(mixed)
}

fn pick<'x, T>(rng: &mut Pcg64Mcg, weighted: &'x [(T, f64)]) -> &'x T {
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

fn at_time(d: NaiveDate, hours: f64) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN) + Duration::seconds((hours * 3600.0) as i64)
}

const DESCRIPTIONS: &[&str] = &[
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

const COMMENTS: &[&str] = &[
    "Very satisfied",
    "Engineer was polite, fixed it quickly",
    "服务很好，师傅很专业",
    "Took too long to arrive",
    "OK 👍",
    "Price of the part is too high, \"not fair\"",
    "",
];

pub fn run(opts: &Options, config: &Config, schemas: &Schemas) -> Result<Summary> {
    let first = first_day(&opts.end_month, -(opts.months as i32 - 1))
        .ok_or_else(|| Error::BadMonth { value: opts.end_month.clone() })?;
    if opts.months == 0 || opts.stations == 0 {
        return Err(Error::Config {
            source_name: "qfb generate".into(),
            message: "--months and --stations must be at least 1".into(),
        });
    }
    let k = opts.months as usize;
    let months: Vec<String> = (0..k as i32)
        .map(|i| {
            first_day(&opts.end_month, i - (k as i32 - 1)).map(|d| d.format("%Y-%m").to_string()).unwrap_or_default()
        })
        .collect();
    let end = first_day(&opts.end_month, 1).expect("valid end month");
    let month_of = |d: NaiveDate| -> Option<usize> {
        if d < first || d >= end {
            return None;
        }
        let idx = (d.year() - first.year()) * 12 + d.month() as i32 - first.month() as i32;
        Some(idx as usize)
    };

    let components = out::static_codes(config.code_list("components").unwrap_or_default());
    let lines = out::static_codes(config.code_list("product_lines").unwrap_or_default());
    let channels = out::static_codes(config.code_list("channels").unwrap_or_default());
    for p in &opts.plants {
        if !components.contains(&p.component.as_str()) {
            return Err(Error::Config {
                source_name: "--plant-batch".into(),
                message: format!("unknown component `{}`", p.component),
            });
        }
    }
    let hazard = |c: &str| BASE_HAZARD.iter().find(|(n, _)| *n == c).map(|(_, h)| *h).unwrap_or(0.0003);
    let line_factor = |l: &str| LINE_FACTOR.iter().find(|(n, _)| *n == l).map(|(_, f)| *f).unwrap_or(1.0);
    let base: Vec<Vec<f64>> = lines
        .iter()
        .map(|l| components.iter().map(|c| hazard(c) * line_factor(l) / DAYS_PER_MONTH).collect())
        .collect();

    // Stations.
    let mut rng = stream(opts.seed, 1, 0);
    let regions = ["East", "North", "South", "Central", "West", "Northeast"];
    let stations: Vec<Station> = (0..opts.stations)
        .map(|i| {
            let slow = rng.random_bool(0.08);
            Station {
                id: format!("ST{:03}", i + 1),
                region: regions[rng.random_range(0..regions.len())],
                weight: LogNormal::new(0.0, 0.6).expect("valid").sample(&mut rng),
                response_h: if slow { 20.0 } else { rng.random_range(1.5..6.0) },
                form_late: if rng.random_bool(0.15) { 0.4 } else { 0.04 },
                form_missing: if rng.random_bool(0.1) { 0.25 } else { 0.02 },
                inactive_from: (i == 3 && k > 6).then_some(k - 4),
            }
        })
        .collect();
    let station_weights: Vec<(usize, f64)> = stations.iter().enumerate().map(|(i, s)| (i, s.weight)).collect();

    // Batches, evenly over the production period.
    let prod_start = first - Duration::days(365 + 60);
    let prod_end = end - Duration::days(30);
    let span = (prod_end - prod_start).num_days().max(1) as f64;
    let mut sizes = Vec::new();
    let mut total = 0u64;
    while total < opts.units {
        let s = rng.random_range(1000..=3000u32).min((opts.units - total) as u32);
        sizes.push(s);
        total += s as u64;
    }
    let lognormal = LogNormal::new(-BATCH_SIGMA * BATCH_SIGMA / 2.0, BATCH_SIGMA).expect("valid");
    let line_weights: Vec<(usize, f64)> = (0..lines.len()).map(|i| (i, *LINE_MIX.get(i).unwrap_or(&0.1))).collect();
    let mut batches: Vec<Batch> = sizes
        .iter()
        .enumerate()
        .map(|(i, &size)| {
            let produced = prod_start + Duration::days((span * (i as f64 + 0.5) / sizes.len() as f64) as i64);
            let line = *pick(&mut rng, &line_weights);
            Batch {
                id: format!("{}{}-{:04}", ["H", "E", "D"].get(line).unwrap_or(&"X"), produced.format("%y%m"), i + 1),
                line,
                size,
                produced,
                factors: components.iter().map(|_| lognormal.sample(&mut rng)).collect(),
            }
        })
        .collect();
    let mut planted = Vec::new();
    for p in &opts.plants {
        let want = (p.when * (batches.len().saturating_sub(1)) as f64).round() as usize;
        // The nearest household batch not planted already.
        let chosen = (0..batches.len())
            .filter(|&i| {
                batches[i].line == 0 && !planted.iter().any(|t: &PlantedTruth| t.production_batch == batches[i].id)
            })
            .min_by_key(|&i| (i as i64 - want as i64).abs());
        let Some(i) = chosen else { continue };
        let c = components.iter().position(|c| *c == p.component).expect("checked above");
        let b = &mut batches[i];
        b.size = 2000;
        // Exactly FACTOR times the line's hazard: the batch's own random
        // factor is replaced, so a "10× batch" is ten times the fleet.
        b.factors[c] = p.factor;
        planted.push(PlantedTruth {
            production_batch: b.id.clone(),
            product_line: lines[b.line].to_string(),
            component: p.component.clone(),
            factor: p.factor,
            production_date: b.produced.to_string(),
            units: b.size,
        });
    }

    let mut drops = Drops::new(&opts.out, months.clone(), schemas, config);
    if !opts.utf8_only {
        drops.set_style(1.min(k - 1), "stations", Style::Xlsx);
        drops.set_style(2.min(k - 1), "repairs", Style::Chinese);
        drops.set_style(5.min(k - 1), "visits", Style::ChineseGb);
    }
    let mut w = Writer {
        drops,
        bad: if opts.bad_rows { BadRows::plan(k) } else { BadRows::default() },
        month_of: &month_of,
        summary: Summary::default(),
        months: k,
        next_repair: 0,
        next_visit: 0,
        next_order: 0,
    };

    // Station snapshots, one per drop.
    for m in 0..k {
        for s in &stations {
            let active = s.inactive_from.is_none_or(|f| m < f);
            let name = format!("{} Service Station {}", s.region, &s.id[2..]);
            w.drops.write(
                m,
                "stations",
                &[Cell::Str(s.id.clone()), Cell::Str(name), Cell::Str(s.region.into()), Cell::Bool(active)],
            )?;
        }
    }

    // Quality repairs per station, month and component, for the forms.
    let mut tally = vec![vec![vec![0u32; components.len()]; k]; stations.len()];
    let mut serial_no = 0u64;
    let models: Vec<Vec<String>> = lines
        .iter()
        .enumerate()
        .map(|(li, _)| {
            let (prefix, n) = match li {
                0 => ("KFR", 20),
                1 => ("RSJ", 8),
                _ => ("RSD", 6),
            };
            (0..n).map(|j| format!("{prefix}-{}{}", 25 + j * 5, ["W", "L", "A"][j % 3])).collect()
        })
        .collect();

    for (bi, b) in batches.iter().enumerate() {
        let mut rng = stream(opts.seed, 2, bi as u64);
        let model = &models[b.line][rng.random_range(0..models[b.line].len())];
        let rates: Vec<f64> = base[b.line].iter().zip(&b.factors).map(|(h, f)| h * f).collect();
        let rate_sum: f64 = rates.iter().sum();
        let base_sum: f64 = base[b.line].iter().sum();
        let nq_weights: Vec<(usize, f64)> = base[b.line].iter().copied().enumerate().collect();
        let q_weights: Vec<(usize, f64)> = rates.iter().copied().enumerate().collect();
        for _ in 0..b.size {
            serial_no += 1;
            let produced = b.produced + Duration::days(rng.random_range(0..4));
            let sold = produced + Duration::days(rng.random_range(10..=120));
            let installed = (!rng.random_bool(0.08)).then(|| sold + Duration::days(rng.random_range(0..=30)));
            if sold >= end {
                continue;
            }
            let station = *pick(&mut rng, &station_weights);
            let serial = format!("SN{serial_no:09}");
            let unit_month = month_of(sold).unwrap_or(0);
            w.summary.units_sold += 1;
            w.unit(
                unit_month,
                vec![
                    Cell::Str(serial.clone()),
                    Cell::Str(model.clone()),
                    Cell::Code(lines[b.line]),
                    Cell::Str(b.id.clone()),
                    Cell::Date(produced),
                    Cell::Date(sold),
                    installed.map(Cell::Date).unwrap_or(Cell::Null),
                    Cell::Str(stations[station].id.clone()),
                ],
            )?;

            // Failures over the unit's life up to the end of the data.
            let in_service = installed.unwrap_or(sold);
            let t = end.signed_duration_since(in_service).num_days() as f64;
            if t <= 0.0 {
                continue;
            }
            let lambda_q = rate_sum * cum_exposure(t);
            let lambda_n = NON_QUALITY_SHARE * base_sum * t;
            let n_q = poisson(&mut rng, lambda_q);
            let n_n = poisson(&mut rng, lambda_n);
            for e in 0..(n_q + n_n) {
                let quality = e < n_q;
                let (age, comp, cause) = if quality {
                    let age = inverse_exposure(rng.random::<f64>() * cum_exposure(t));
                    (age, *pick(&mut rng, &q_weights), "quality")
                } else {
                    (rng.random::<f64>() * t, *pick(&mut rng, &nq_weights), *pick(&mut rng, NON_QUALITY_CAUSES))
                };
                let day = in_service + Duration::days(age as i64);
                let reported = at_time(day, rng.random_range(7.0..21.0));
                let repair_station = if rng.random_bool(0.95) { station } else { *pick(&mut rng, &station_weights) };
                let ctx = RepairCtx {
                    serial: &serial,
                    model,
                    line: lines[b.line],
                    component: components[comp],
                    comp_index: comp,
                    cause,
                    sold,
                    station: &stations[repair_station],
                    station_index: repair_station,
                    channels: &channels,
                };
                let completed = w.repair(&mut rng, &ctx, reported, &mut tally)?;
                // A few quality repairs do not hold: the same part again.
                if let (true, Some(done)) = (quality, completed) {
                    if rng.random_bool(0.04) {
                        let again = done + Duration::hours(rng.random_range(24..24 * 35));
                        w.repair(&mut rng, &ctx, again, &mut tally)?;
                    }
                }
            }
        }
    }

    // Orphans: repairs on serials headquarters never recorded.
    let mut rng = stream(opts.seed, 3, 0);
    let orphans = (w.summary.repairs / 300).max(1);
    for i in 0..orphans {
        let m = rng.random_range(0..k);
        let day = first_day(&months[m], 0).expect("valid") + Duration::days(rng.random_range(0..28));
        let s = *pick(&mut rng, &station_weights);
        let ctx = RepairCtx {
            serial: &format!("SNX{:08}", i + 1),
            model: &models[0][0],
            line: lines[0],
            component: components[i as usize % components.len()],
            comp_index: i as usize % components.len(),
            cause: "quality",
            sold: day,
            station: &stations[s],
            station_index: s,
            channels: &channels,
        };
        w.repair(&mut rng, &ctx, at_time(day, 10.0), &mut tally)?;
        // A visit and a parts order that point at a repair nobody sent.
        let ghost = format!("R9{:08}", i + 1);
        let at = at_time(day, 15.0);
        w.drops.write(
            m,
            "visits",
            &[
                Cell::Str(format!("V9{:08}", i + 1)),
                Cell::Str(ghost.clone()),
                Cell::DateTime(at),
                Cell::Code(channels[0]),
                Cell::Bool(true),
                Cell::Int(5),
                Cell::Bool(false),
                Cell::Null,
            ],
        )?;
        w.drops.write(
            m,
            "parts",
            &[
                Cell::Str(format!("P9{:08}", i + 1)),
                Cell::Str(ghost),
                Cell::Str(stations[s].id.clone()),
                Cell::Str("SEN-KFR-25W".into()),
                Cell::Code(components[components.len().saturating_sub(2)]),
                Cell::Int(1),
                Cell::Date(day),
                Cell::Date(day + Duration::days(3)),
                Cell::Null,
                Cell::Null,
                Cell::Null,
                Cell::Money(8000),
                Cell::Bool(false),
            ],
        )?;
    }

    // Monthly forms: for M, in drop M+1 (a few in M+2), due on the 10th.
    let due = config.windows.form_due_day;
    let mut rng = stream(opts.seed, 4, 0);
    for (si, s) in stations.iter().enumerate() {
        for m in 0..k.saturating_sub(1) {
            if s.inactive_from.is_some_and(|f| m + 1 >= f) || rng.random_bool(s.form_missing) {
                continue;
            }
            let late = rng.random_bool(s.form_late);
            let next = first_day(&months[m], 1).expect("valid");
            let day = if late { rng.random_range(due + 1..=25) } else { rng.random_range(1..=due) };
            let very_late = late && rng.random_bool(0.15) && m + 2 < k;
            let submitted = if very_late {
                first_day(&months[m], 2).expect("valid") + Duration::days(rng.random_range(0..5))
            } else {
                next + Duration::days(day as i64 - 1)
            };
            let drop = if very_late { m + 2 } else { m + 1 };
            let form_id = format!("F-{}-{}", s.id, months[m].replace('-', ""));
            let mut lines_out = Vec::new();
            for (c, &n) in tally[si][m].iter().enumerate() {
                if n == 0 {
                    continue;
                }
                // Stations miscount now and then.
                let q = if rng.random_bool(0.06) {
                    (n as i64 + if rng.random_bool(0.5) { 1 } else { -1 }).max(0)
                } else {
                    n as i64
                };
                let major = n >= 3 && rng.random_bool(0.5);
                lines_out.push((c, q, major));
            }
            if lines_out.is_empty() {
                lines_out.push((components.len() - 1, 0, false));
            }
            for (ln, (c, q, major)) in lines_out.iter().enumerate() {
                let suggestion =
                    if *major { "Inspect the batch and stop shipments until the cause is found" } else { "" };
                w.drops.write(
                    drop,
                    "feedback_forms",
                    &[
                        Cell::Str(form_id.clone()),
                        Cell::Int(ln as i64 + 1),
                        Cell::Str(s.id.clone()),
                        Cell::Str(months[m].clone()),
                        Cell::Date(submitted),
                        Cell::Null,
                        Cell::Code(components[*c]),
                        Cell::Null,
                        Cell::Int(*q),
                        Cell::Bool(*major),
                        Cell::Str(if *q > 0 {
                            format!("{q} failures of {} this month", components[*c])
                        } else {
                            String::new()
                        }),
                        Cell::Str(suggestion.into()),
                    ],
                )?;
            }
        }
    }

    if opts.bad_rows {
        w.bad.truncated_line(&mut w.drops, k)?;
    }
    let repairs = w.summary.repairs;
    let units_sold = w.summary.units_sold;
    let files = w.drops.finish()?;

    let truth = Truth {
        about: "qfb generate: the true parameters behind these drops. Not a drop: never put it inside one.",
        options: opts,
        months: months.clone(),
        monthly_hazard: lines
            .iter()
            .zip(&base)
            .flat_map(|(l, rates)| {
                components.iter().zip(rates).map(|(c, r)| (l.to_string(), c.to_string(), r * DAYS_PER_MONTH))
            })
            .collect(),
        early_life: "hazard(age) = monthly_hazard × batch factor × (1 + exp(-age_days / 45))",
        batch_sigma: BATCH_SIGMA,
        non_quality_share: NON_QUALITY_SHARE,
        batches: batches
            .iter()
            .map(|b| BatchTruth {
                production_batch: b.id.clone(),
                product_line: lines[b.line].to_string(),
                units: b.size,
                production_date: b.produced.to_string(),
                factors: b.factors.iter().map(|f| (f * 1e6).round() / 1e6).collect(),
            })
            .collect(),
        planted,
    };
    let path = opts.out.join("truth.json");
    let json = serde_json::to_vec_pretty(&truth).expect("truth serialises");
    std::fs::write(&path, json).map_err(write_err(&path))?;
    Ok(Summary { files, units_sold, repairs })
}

fn poisson(rng: &mut Pcg64Mcg, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map(|p| p.sample(rng) as u64).unwrap_or(0)
}

struct RepairCtx<'c> {
    serial: &'c str,
    model: &'c str,
    line: &'static str,
    component: &'static str,
    comp_index: usize,
    cause: &'static str,
    sold: NaiveDate,
    station: &'c Station,
    station_index: usize,
    channels: &'c [&'static str],
}

struct Writer<'a, 'm> {
    drops: Drops<'a>,
    bad: BadRows,
    month_of: &'m dyn Fn(NaiveDate) -> Option<usize>,
    summary: Summary,
    /// Number of drops.
    months: usize,
    next_repair: u64,
    next_visit: u64,
    next_order: u64,
}

impl Writer<'_, '_> {
    fn unit(&mut self, month: usize, mut cells: Vec<Cell>) -> Result<()> {
        self.bad.apply(month, "units", &mut cells, &mut self.drops)?;
        self.drops.write(month, "units", &cells)
    }

    /// One repair with its visits and parts order, each sent in the drops
    /// where headquarters would receive it. Returns the completion time.
    fn repair(
        &mut self,
        rng: &mut Pcg64Mcg,
        c: &RepairCtx<'_>,
        reported: NaiveDateTime,
        tally: &mut [Vec<Vec<u32>>],
    ) -> Result<Option<NaiveDateTime>> {
        let Some(m) = (self.month_of)(reported.date()) else { return Ok(None) };
        self.next_repair += 1;
        self.summary.repairs += 1;
        let id = format!("R{:09}", self.next_repair);
        if c.cause == "quality" {
            tally[c.station_index][m][c.comp_index] += 1;
        }
        let hours = |rng: &mut Pcg64Mcg, median: f64, sigma: f64| {
            LogNormal::new(median.ln(), sigma).expect("valid").sample(rng)
        };
        let responded = (!rng.random_bool(0.01))
            .then(|| reported + Duration::minutes((hours(rng, c.station.response_h, 0.9) * 60.0) as i64));
        let arrived = responded.map(|r| r + Duration::minutes((hours(rng, 5.0, 0.7) * 60.0) as i64));
        let needs_part = rng.random_bool(if c.cause == "quality" { 0.6 } else { 0.3 });
        let wait = if needs_part { Duration::hours(rng.random_range(24..120)) } else { Duration::zero() };
        let completed = arrived.map(|a| a + wait + Duration::minutes((hours(rng, 2.5, 0.5) * 60.0) as i64));
        // Stations judge the warranty roughly: a year for economy units, two
        // for the rest; the claim audit catches what they get wrong.
        let years = if c.line == "commercial_economy" { 1 } else { 2 };
        let in_warranty_guess = reported.date() < c.sold + Duration::days(365 * years);
        let claim = match (c.cause, in_warranty_guess) {
            ("quality" | "other", true) => rng.random_bool(0.95),
            (_, true) => rng.random_bool(0.3),
            (_, false) => rng.random_bool(0.05),
        };
        let labor = rng.random_range(5..=20) * 1000;
        let part_price = match c.component {
            "compressor" => 88000,
            "four_way_valve" => 32000,
            "evaporator" | "heat_exchanger" | "condenser" => 45000,
            "motor" => 26000,
            "controller" => 21000,
            _ => 8000,
        };
        let description = if rng.random_bool(0.3) { DESCRIPTIONS[rng.random_range(0..DESCRIPTIONS.len())] } else { "" };
        let phone = format!("1{}{:09}", rng.random_range(3..=9), rng.random_range(0..1_000_000_000u64));
        let fault = format!("{}{}", ["F", "E", "P"][c.comp_index % 3], c.comp_index + 1);
        let record = |done: Option<NaiveDateTime>, resp: Option<NaiveDateTime>, arr: Option<NaiveDateTime>| {
            vec![
                Cell::Str(id.clone()),
                Cell::Str(c.serial.to_string()),
                Cell::Str(c.station.id.clone()),
                Cell::DateTime(reported),
                resp.map(Cell::DateTime).unwrap_or(Cell::Null),
                arr.map(Cell::DateTime).unwrap_or(Cell::Null),
                done.map(Cell::DateTime).unwrap_or(Cell::Null),
                Cell::Code(c.component),
                Cell::Str(fault.clone()),
                Cell::Code(c.cause),
                Cell::Bool(claim),
                Cell::Money(labor),
                Cell::Money(if needs_part { part_price } else { 0 }),
                Cell::Str(description.to_string()),
                Cell::Str(phone.clone()),
            ]
        };
        // What was known at the end of the reported month, then the rest.
        let month_end = |m: usize| -> NaiveDateTime {
            let d = (0..40).map(|i| reported.date() + Duration::days(i)).find(|d| (self.month_of)(*d) != Some(m));
            d.unwrap_or(reported.date() + Duration::days(40)).and_time(NaiveTime::MIN)
        };
        let cutoff = month_end(m);
        let known = |t: Option<NaiveDateTime>| t.filter(|t| *t < cutoff);
        let mut first = record(known(completed), known(responded), known(arrived));
        self.bad.apply(m, "repairs", &mut first, &mut self.drops)?;
        self.drops.write(m, "repairs", &first)?;
        let done_month = completed.and_then(|d| (self.month_of)(d.date()));
        if let Some(dm) = done_month.filter(|dm| *dm > m) {
            self.drops.write(dm, "repairs", &record(completed, responded, arrived))?;
        } else if rng.random_bool(0.005) && m + 1 < self.months {
            // A correction re-sent next month under the same key.
            let mut fixed = record(completed, responded, arrived);
            fixed[8] = Cell::Str(format!("{fault}-1"));
            self.drops.write(m + 1, "repairs", &fixed)?;
        }

        let Some(done) = completed else { return Ok(None) };
        // Return visits: most within a week of completion, some never.
        if rng.random_bool(0.95) {
            let window = if rng.random_bool(0.97) { 7 * 24 * 60 } else { 12 * 24 * 60 };
            let mut at = done + Duration::minutes(rng.random_range(60..window));
            for attempt in 0..2 {
                let reached = rng.random_bool(0.9);
                let sat = reached.then(|| *pick(rng, &[(5i64, 0.70), (4, 0.24), (3, 0.04), (2, 0.015), (1, 0.005)]));
                let complaint = rng.random_bool(if sat.is_some_and(|s| s <= 3) { 0.5 } else { 0.01 });
                let channel = *pick(rng, &[(0usize, 0.8), (3, 0.1), (1, 0.05), (2, 0.05)]);
                if let Some(vm) = (self.month_of)(at.date()) {
                    self.next_visit += 1;
                    let comment = if rng.random_bool(0.2) { COMMENTS[rng.random_range(0..COMMENTS.len())] } else { "" };
                    let mut cells = vec![
                        Cell::Str(format!("V{:09}", self.next_visit)),
                        Cell::Str(id.clone()),
                        Cell::DateTime(at),
                        Cell::Code(c.channels.get(channel).copied().unwrap_or("phone")),
                        Cell::Bool(reached),
                        sat.map(Cell::Int).unwrap_or(Cell::Null),
                        Cell::Bool(complaint),
                        Cell::Str(comment.into()),
                    ];
                    self.bad.apply(vm, "visits", &mut cells, &mut self.drops)?;
                    self.drops.write(vm, "visits", &cells)?;
                }
                if reached || attempt == 1 || rng.random_bool(0.5) {
                    break;
                }
                at += Duration::hours(rng.random_range(20..30));
            }
        }
        // The parts order, sent when requested and again when shipped late.
        if needs_part {
            let requested = arrived.map(|a| a.date()).unwrap_or(reported.date());
            let promised = requested + Duration::days(rng.random_range(2..=4));
            let shipped = if rng.random_bool(0.94) {
                requested + Duration::days(rng.random_range(0..=(promised - requested).num_days()))
            } else {
                promised + Duration::days(rng.random_range(1..=10))
            };
            // The first three characters of the code, whatever its length or script.
            let prefix: String = c.component.chars().take(3).collect();
            let part_no = format!("{}-{}", prefix.to_uppercase(), c.model);
            let wrong = rng.random_bool(0.012);
            let qty = if rng.random_bool(0.1) { 2 } else { 1 };
            let short = rng.random_bool(0.005);
            self.next_order += 1;
            let order = |ship: bool| {
                vec![
                    Cell::Str(format!("P{:09}", self.next_order)),
                    Cell::Str(id.clone()),
                    Cell::Str(c.station.id.clone()),
                    Cell::Str(part_no.clone()),
                    Cell::Code(c.component),
                    Cell::Int(qty),
                    Cell::Date(requested),
                    Cell::Date(promised),
                    if ship { Cell::Date(shipped) } else { Cell::Null },
                    if ship {
                        Cell::Str(if wrong { format!("{part_no}-B") } else { part_no.clone() })
                    } else {
                        Cell::Null
                    },
                    if ship { Cell::Int(if short { qty - 1 } else { qty }.max(1)) } else { Cell::Null },
                    Cell::Money(part_price),
                    Cell::Bool(rng_bool_det(self.next_order)),
                ]
            };
            if let Some(rm) = (self.month_of)(requested) {
                let sm = (self.month_of)(shipped);
                let mut first = order(sm == Some(rm));
                self.bad.apply(rm, "parts", &mut first, &mut self.drops)?;
                self.drops.write(rm, "parts", &first)?;
                if let Some(sm) = sm.filter(|sm| *sm > rm) {
                    self.drops.write(sm, "parts", &order(true))?;
                }
            }
        }
        Ok(Some(done))
    }
}

/// Old parts come back for most orders: a fixed pattern keeps it cheap.
fn rng_bool_det(n: u64) -> bool {
    !n.is_multiple_of(7)
}

/// The bad rows of contract section 2, one of each kind, spread over the
/// drops: each replaces one field of the first suitable record written to
/// its (drop, table), or adds a row.
#[derive(Debug, Default)]
struct BadRows {
    /// (month, table, column index, raw value, done)
    plan: Vec<(usize, &'static str, usize, &'static str, bool)>,
    /// (month, table, column changed in the superseded copy, done): an
    /// earlier copy of a record under the same key in the same file.
    duplicates: Vec<(usize, &'static str, usize, bool)>,
}

impl BadRows {
    fn plan(k: usize) -> BadRows {
        let kinds: &[(&'static str, usize, &'static str)] = &[
            // Rows rejected.
            ("repairs", 0, ""),                 // missing key
            ("repairs", 3, "2026-02-30 10:00"), // impossible required datetime
            ("repairs", 7, "flux_capacitor"),   // unknown component
            ("repairs", 9, "gremlins"),         // unknown cause
            ("units", 5, "2001-01-01"),         // sale before production
            ("parts", 7, "2001-01-01"),         // promised before requested
            ("parts", 5, "0"),                  // quantity 0
            ("visits", 3, "carrier pigeon"),    // unknown channel
            ("visits", 4, "maybe"),             // unparsable required bool
            // Fields nulled.
            ("units", 6, "2026-02-30"),         // impossible optional date
            ("repairs", 4, "2001-01-01 08:00"), // response before report
            ("repairs", 11, "12.345"),          // 3-decimal cost
            ("repairs", 12, "-80"),             // negative cost
            ("visits", 5, "7"),                 // satisfaction out of range
            ("parts", 11, "abc"),               // unparsable optional money
        ];
        let plan = kinds.iter().enumerate().map(|(i, (t, c, v))| ((3 + 2 * i) % k.max(1), *t, *c, *v, false)).collect();
        BadRows { plan, duplicates: vec![(4 % k.max(1), "repairs", 13, false), (7 % k.max(1), "units", 1, false)] }
    }

    fn apply(&mut self, month: usize, table: &'static str, cells: &mut [Cell], drops: &mut Drops<'_>) -> Result<()> {
        for p in self.plan.iter_mut() {
            if !p.4 && p.0 == month && p.1 == table && p.2 < cells.len() && cells[p.2] != Cell::Null {
                cells[p.2] = Cell::Raw(p.3.to_string());
                p.4 = true;
                return Ok(());
            }
        }
        for d in self.duplicates.iter_mut() {
            if !d.3 && d.0 == month && d.1 == table {
                let mut older = cells.to_vec();
                older[d.2] = Cell::Str("superseded draft".into());
                drops.write(month, table, &older)?;
                d.3 = true;
            }
        }
        Ok(())
    }

    /// A file whose last line was cut off mid-field.
    fn truncated_line(&self, drops: &mut Drops<'_>, k: usize) -> Result<()> {
        drops.append_raw(k.saturating_sub(3), "visits", "V999999999,R000000001,2026-01-0")
    }
}
