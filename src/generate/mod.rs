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

mod agreement;
mod bad;
mod forms;
mod model;
mod out;
mod truth;
mod writer;

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
use out::{row, Cell, Drops, Style};

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
    /// Plant the dealer agreement's cases (`agreement::plant_agreement`).
    pub plant_agreement: bool,
    pub utf8_only: bool,
}

/// What was written.
#[derive(Debug, Default)]
pub struct Summary {
    pub files: Vec<(PathBuf, u64)>,
    pub units_sold: u64,
    pub repairs: u64,
}
use bad::BadRows;
use model::*;
use truth::PlantedTruth;
use writer::*;

/// What every phase of a generation shares, fixed before any row is
/// written: the period, the code lists and hazards, the stations, the
/// batches (planted ones included) and the models.
struct Model<'o> {
    opts: &'o Options,
    /// Number of drops.
    k: usize,
    months: Vec<String>,
    /// The first day of the first drop, and the end of the last.
    first: NaiveDate,
    end: NaiveDate,
    components: Vec<&'static str>,
    lines: Vec<&'static str>,
    channels: Vec<&'static str>,
    /// Monthly hazard per line and component, per day.
    base: Vec<Vec<f64>>,
    stations: Vec<Station>,
    station_weights: Vec<(usize, f64)>,
    batches: Vec<Batch>,
    planted: Vec<PlantedTruth>,
    models: Vec<Vec<String>>,
}

pub fn run(opts: &Options, config: &Config, schemas: &Schemas) -> Result<Summary> {
    let model = Model::new(opts, config)?;
    let month_of = |d: NaiveDate| model.month_of(d);
    let k = model.k;
    let mut drops = Drops::new(&opts.out, model.months.clone(), schemas, config);
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
    model.station_snapshots(&mut w)?;
    // Quality repairs per station, month and component, for the forms.
    let mut tally = vec![vec![vec![0u32; model.components.len()]; k]; model.stations.len()];
    model.units(&mut w, &mut tally)?;
    model.orphans(&mut w, &mut tally)?;
    if opts.plant_agreement {
        model.plant_agreement(&mut w, &mut tally)?;
    }
    model.forms(&mut w, &tally, config.windows.form_due_day)?;
    if opts.bad_rows {
        w.bad.truncated_line(&mut w.drops, k)?;
    }
    let repairs = w.summary.repairs;
    let units_sold = w.summary.units_sold;
    let files = w.drops.finish()?;
    model.write_truth()?;
    Ok(Summary { files, units_sold, repairs })
}

impl<'o> Model<'o> {
    fn new(opts: &'o Options, config: &Config) -> Result<Model<'o>> {
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
                first_day(&opts.end_month, i - (k as i32 - 1))
                    .map(|d| d.format("%Y-%m").to_string())
                    .unwrap_or_default()
            })
            .collect();
        let end = first_day(&opts.end_month, 1).expect("valid end month");

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
                    id: format!(
                        "{}{}-{:04}",
                        ["H", "E", "D"].get(line).unwrap_or(&"X"),
                        produced.format("%y%m"),
                        i + 1
                    ),
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
        Ok(Model {
            opts,
            k,
            months,
            first,
            end,
            components,
            lines,
            channels,
            base,
            stations,
            station_weights,
            batches,
            planted,
            models,
        })
    }

    /// The drop a day falls in.
    fn month_of(&self, d: NaiveDate) -> Option<usize> {
        if d < self.first || d >= self.end {
            return None;
        }
        let idx = (d.year() - self.first.year()) * 12 + d.month() as i32 - self.first.month() as i32;
        Some(idx as usize)
    }

    /// Station snapshots, one per drop.
    fn station_snapshots(&self, w: &mut Writer<'_, '_>) -> Result<()> {
        let k = self.k;
        let stations = &self.stations;
        for m in 0..k {
            for s in stations {
                let active = s.inactive_from.is_none_or(|f| m < f);
                let name = format!("{} Service Station {}", s.region, &s.id[2..]);
                let record = row(
                    w.drops.schema("stations"),
                    vec![
                        ("station_id", Cell::Str(s.id.clone())),
                        ("name", Cell::Str(name)),
                        ("region", Cell::Str(s.region.into())),
                        ("active", Cell::Bool(active)),
                    ],
                );
                w.drops.write(m, "stations", &record)?;
            }
        }
        Ok(())
    }

    /// Every batch's units, sold by the end of the data, with their repairs.
    fn units(&self, w: &mut Writer<'_, '_>, tally: &mut [Vec<Vec<u32>>]) -> Result<()> {
        let mut serial_no = 0u64;
        let opts = self.opts;
        let end = self.end;
        let components = &self.components;
        let lines = &self.lines;
        let channels = &self.channels;
        let stations = &self.stations;
        let station_weights = &self.station_weights;
        let batches = &self.batches;
        let models = &self.models;
        let base = &self.base;
        let month_of = |d: NaiveDate| self.month_of(d);
        for (bi, b) in batches.iter().enumerate() {
            let mut rng = stream(opts.seed, 2, bi as u64);
            let model_no = rng.random_range(0..models[b.line].len());
            let model = &models[b.line][model_no];
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
                let record = row(
                    w.drops.schema("units"),
                    vec![
                        ("serial", Cell::Str(serial.clone())),
                        ("model", Cell::Str(model.clone())),
                        ("product_line", Cell::Code(lines[b.line])),
                        ("production_batch", Cell::Str(b.id.clone())),
                        ("production_date", Cell::Date(produced)),
                        ("sale_date", Cell::Date(sold)),
                        ("install_date", installed.map(Cell::Date).unwrap_or(Cell::Null)),
                        ("station_id", Cell::Str(stations[station].id.clone())),
                        ("sale_price", agreement::sale_price(opts.seed, serial_no, b.line, model_no)),
                    ],
                );
                w.unit(unit_month, record)?;

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
                    let repair_station =
                        if rng.random_bool(0.95) { station } else { *pick(&mut rng, &station_weights) };
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
                    let completed = w.repair(&mut rng, &ctx, reported, tally)?;
                    // A few quality repairs do not hold: the same part again.
                    if let (true, Some(done)) = (quality, completed) {
                        if rng.random_bool(0.04) {
                            let again = done + Duration::hours(rng.random_range(24..24 * 35));
                            w.repair(&mut rng, &ctx, again, tally)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Orphans: repairs on serials headquarters never recorded.
    fn orphans(&self, w: &mut Writer<'_, '_>, tally: &mut [Vec<Vec<u32>>]) -> Result<()> {
        let k = self.k;
        let opts = self.opts;
        let months = &self.months;
        let components = &self.components;
        let lines = &self.lines;
        let channels = &self.channels;
        let stations = &self.stations;
        let station_weights = &self.station_weights;
        let models = &self.models;
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
            w.repair(&mut rng, &ctx, at_time(day, 10.0), tally)?;
            // A visit and a parts order that point at a repair nobody sent.
            let ghost = format!("R9{:08}", i + 1);
            let at = at_time(day, 15.0);
            let visit = row(
                w.drops.schema("visits"),
                vec![
                    ("visit_id", Cell::Str(format!("V9{:08}", i + 1))),
                    ("repair_id", Cell::Str(ghost.clone())),
                    ("visited_at", Cell::DateTime(at)),
                    ("channel", Cell::Code(channels[0])),
                    ("reached", Cell::Bool(true)),
                    ("satisfaction", Cell::Int(5)),
                    ("complaint", Cell::Bool(false)),
                ],
            );
            w.drops.write(m, "visits", &visit)?;
            let order = row(
                w.drops.schema("parts"),
                vec![
                    ("order_id", Cell::Str(format!("P9{:08}", i + 1))),
                    ("repair_id", Cell::Str(ghost)),
                    ("station_id", Cell::Str(stations[s].id.clone())),
                    ("part_no", Cell::Str("SEN-KFR-25W".into())),
                    ("component", Cell::Code(components[components.len().saturating_sub(2)])),
                    ("quantity", Cell::Int(1)),
                    ("requested_at", Cell::Date(day)),
                    ("promised_at", Cell::Date(day + Duration::days(3))),
                    ("unit_price", Cell::Money(8000)),
                    ("old_part_returned", Cell::Bool(false)),
                ],
            );
            w.drops.write(m, "parts", &order)?;
        }
        Ok(())
    }
}
