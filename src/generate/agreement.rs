//! The dealer agreement in the drops: sale prices per model and line, and
//! (`--plant-agreement`) the cases its rules must find: 三包 return and
//! exchange units, a batch that fails in its first days in service, and a
//! station drawing parts far beyond its allowance. Each has a random
//! stream of its own, so planting leaves every other row as it was.

use super::*;

/// A model's list price in cents: by line and by the model's place in the
/// line's range (household 3,000–8,700 yuan, commercial economy
/// 12,000–22,500, commercial deluxe 30,000–55,000).
fn list_price(line: usize, model: usize) -> i64 {
    let (base, step) = match line {
        0 => (3_000, 300),
        1 => (12_000, 1_500),
        _ => (30_000, 5_000),
    };
    (base + step * model as i64) * 100
}

/// The unit's sale price in cents: the list price less a dealer discount
/// of up to 15%, to 10 yuan; none for 3% of units (a sale recorded without
/// its price).
pub(super) fn sale_price(seed: u64, serial_no: u64, line: usize, model: usize) -> Cell {
    let mut rng = stream(seed, 7, serial_no);
    if rng.random_bool(0.03) {
        return Cell::Null;
    }
    let price = list_price(line, model) as f64 * rng.random_range(0.85..=1.0);
    Cell::Money((price / 1000.0).round() as i64 * 1000)
}

/// Stations that keep most old parts (agreement §9.2), by index.
pub(super) fn keeps_old_parts(station: usize) -> bool {
    station == 6 || station == 20
}

/// Whether an order's old part comes back: all but 1 in 50, or 1 in 3
/// missing at a station that keeps them.
pub(super) fn old_part_returned(order: u64, station: usize) -> bool {
    if keeps_old_parts(station) {
        !order.is_multiple_of(3)
    } else {
        !order.is_multiple_of(50)
    }
}

/// Early failures in the planted batch: the share of its units.
const EARLY_SHARE: f64 = 0.025;
/// The planted batch's size.
const EARLY_UNITS: u32 = 1500;
/// Parts the over-drawing station orders without a repair, per month.
const EXTRA_ORDERS: u32 = 1;

impl Model<'_> {
    /// Plant the agreement's cases (see the module comment). The report
    /// month is the second-to-last drop, as `qfb run` defaults to.
    pub(super) fn plant_agreement(&self, w: &mut Writer<'_, '_>, tally: &mut [Vec<Vec<u32>>]) -> Result<()> {
        let k = self.k;
        if k < 3 {
            return Ok(());
        }
        let opts = self.opts;
        let mut rng = stream(opts.seed, 9, 0);
        let (household, model_no) = (0usize, 0usize);
        let model = &self.models[household][model_no];
        // The case units come from different household batches made at
        // least two months before the end, one each and none of them a
        // planted defective batch, so that no batch gains more than one
        // early failure from them.
        let household_batches: Vec<&str> = self
            .batches
            .iter()
            .rev()
            .filter(|b| b.line == household && b.produced + Duration::days(60) < self.end)
            .filter(|b| !self.planted.iter().any(|p| p.production_batch == b.id))
            .map(|b| b.id.as_str())
            .collect();
        if household_batches.is_empty() {
            return Ok(());
        }
        let mut serial_no = 0u64;
        let mut new_unit = |w: &mut Writer<'_, '_>,
                            batch: &str,
                            sold: NaiveDate,
                            installed: NaiveDate,
                            station: usize|
         -> Result<String> {
            serial_no += 1;
            let serial = format!("SN8{serial_no:08}");
            let record = row(
                w.drops.schema("units"),
                vec![
                    ("serial", Cell::Str(serial.clone())),
                    ("model", Cell::Str(model.clone())),
                    ("product_line", Cell::Code(self.lines[household])),
                    ("production_batch", Cell::Str(batch.to_string())),
                    ("production_date", Cell::Date(sold - Duration::days(30))),
                    ("sale_date", Cell::Date(sold)),
                    ("install_date", Cell::Date(installed)),
                    ("station_id", Cell::Str(self.stations[station % self.stations.len()].id.clone())),
                    ("sale_price", sale_price(opts.seed, 9_000_000_000 + serial_no, household, model_no)),
                ],
            );
            w.unit(self.month_of(sold).unwrap_or(0), record)?;
            w.summary.units_sold += 1;
            Ok(serial)
        };
        let comp = |code: &str| self.components.iter().position(|c| *c == code);
        // 三包 cases in the report month and the month before: (component,
        // days after installation) per unit.
        let cases: [&[(&str, i64)]; 4] = [
            &[("compressor", 2)],                     // return and exchange
            &[("condenser", 10)],                     // exchange
            &[("motor", 3), ("motor", 12)],           // repaired twice: exchange
            &[("compressor", 3), ("compressor", 16)], // return and exchange; the second is past 15 days
        ];
        for (n, m) in [k - 3, k - 2].into_iter().enumerate() {
            let start = first_day(&self.months[m], 0).expect("valid");
            for (i, repairs) in cases.iter().enumerate() {
                let installed = start + Duration::days(2 + 3 * i as i64);
                let batch = household_batches[(n * cases.len() + i) % household_batches.len()];
                let s = 1 + i;
                let serial = new_unit(w, batch, installed - Duration::days(2), installed, s)?;
                for &(code, day) in repairs.iter() {
                    let Some(c) = comp(code) else { continue };
                    let ctx = self.repair_ctx(&serial, model, household, c, "quality", installed, s);
                    w.repair(&mut rng, &ctx, at_time(installed + Duration::days(day), 10.0), tally)?;
                }
            }
        }
        // A batch whose units fail in their first days: a shipping problem.
        let produced = first_day(&self.months[k - 7.min(k - 1)], 0).expect("valid");
        let early_batch = format!("H{}-9001", produced.format("%y%m"));
        for _ in 0..EARLY_UNITS {
            let sold = produced + Duration::days(rng.random_range(10..=120));
            if sold >= self.end {
                continue;
            }
            let installed = sold + Duration::days(rng.random_range(0..=10));
            let station = rng.random_range(0..self.stations.len());
            let serial = new_unit(w, &early_batch, sold, installed, station)?;
            if rng.random_bool(EARLY_SHARE) {
                let c = rng.random_range(0..self.components.len());
                let day = rng.random_range(0..15);
                let ctx = self.repair_ctx(&serial, model, household, c, "quality", sold, station);
                w.repair(&mut rng, &ctx, at_time(installed + Duration::days(day), 9.0), tally)?;
            }
        }
        // A station that orders compressors with no repair behind them.
        let over = self.stations.len().min(12) - 1;
        for m in 0..k {
            let day = first_day(&self.months[m], 0).expect("valid") + Duration::days(4);
            for j in 0..EXTRA_ORDERS {
                let order = row(
                    w.drops.schema("parts"),
                    vec![
                        ("order_id", Cell::Str(format!("P8{:04}{j:04}", m))),
                        ("station_id", Cell::Str(self.stations[over].id.clone())),
                        ("part_no", Cell::Str(format!("COM-{model}"))),
                        ("component", Cell::Code(self.components[comp("compressor").unwrap_or(0)])),
                        ("quantity", Cell::Int(2)),
                        ("requested_at", Cell::Date(day)),
                        ("promised_at", Cell::Date(day + Duration::days(3))),
                        ("shipped_at", Cell::Date(day + Duration::days(2))),
                        ("shipped_part_no", Cell::Str(format!("COM-{model}"))),
                        ("shipped_quantity", Cell::Int(2)),
                        ("unit_price", Cell::Money(88000)),
                        ("old_part_returned", Cell::Bool(false)),
                    ],
                );
                w.drops.write(m, "parts", &order)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn repair_ctx<'c>(
        &'c self,
        serial: &'c str,
        model: &'c str,
        line: usize,
        component: usize,
        cause: &'static str,
        sold: NaiveDate,
        station: usize,
    ) -> RepairCtx<'c> {
        let station = station % self.stations.len();
        RepairCtx {
            serial,
            model,
            line: self.lines[line],
            component: self.components[component],
            comp_index: component,
            cause,
            sold,
            station: &self.stations[station],
            station_index: station,
            channels: &self.channels,
        }
    }
}
