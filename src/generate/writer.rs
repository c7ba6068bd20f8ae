//! One unit's life as rows: its repairs, return visits and parts orders,
//! written to the drops of the months they arrive in.

use super::out::{column, row};
use super::*;

pub(super) struct RepairCtx<'c> {
    pub(super) serial: &'c str,
    pub(super) model: &'c str,
    pub(super) line: &'static str,
    pub(super) component: &'static str,
    pub(super) comp_index: usize,
    pub(super) cause: &'static str,
    pub(super) sold: NaiveDate,
    pub(super) station: &'c Station,
    pub(super) station_index: usize,
    pub(super) channels: &'c [&'static str],
}

pub(super) struct Writer<'a, 'm> {
    pub(super) drops: Drops<'a>,
    pub(super) bad: BadRows,
    pub(super) month_of: &'m dyn Fn(NaiveDate) -> Option<usize>,
    pub(super) summary: Summary,
    /// Number of drops.
    pub(super) months: usize,
    pub(super) next_repair: u64,
    pub(super) next_visit: u64,
    pub(super) next_order: u64,
}

impl Writer<'_, '_> {
    pub(super) fn unit(&mut self, month: usize, mut cells: Vec<Cell>) -> Result<()> {
        self.bad.apply(month, "units", &mut cells, &mut self.drops)?;
        self.drops.write(month, "units", &cells)
    }

    /// One repair with its visits and parts order, each sent in the drops
    /// where headquarters would receive it. Returns the completion time.
    pub(super) fn repair(
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
        let (repairs, visits, parts) =
            (self.drops.schema("repairs"), self.drops.schema("visits"), self.drops.schema("parts"));
        let datetime = |t: Option<NaiveDateTime>| t.map(Cell::DateTime).unwrap_or(Cell::Null);
        let record = |done: Option<NaiveDateTime>, resp: Option<NaiveDateTime>, arr: Option<NaiveDateTime>| {
            row(
                repairs,
                vec![
                    ("repair_id", Cell::Str(id.clone())),
                    ("serial", Cell::Str(c.serial.to_string())),
                    ("station_id", Cell::Str(c.station.id.clone())),
                    ("reported_at", Cell::DateTime(reported)),
                    ("responded_at", datetime(resp)),
                    ("arrived_at", datetime(arr)),
                    ("completed_at", datetime(done)),
                    ("component", Cell::Code(c.component)),
                    ("fault_code", Cell::Str(fault.clone())),
                    ("cause", Cell::Code(c.cause)),
                    ("warranty_claim", Cell::Bool(claim)),
                    ("labor_cost", Cell::Money(labor)),
                    ("parts_cost", Cell::Money(if needs_part { part_price } else { 0 })),
                    ("description", Cell::Str(description.to_string())),
                    ("customer_phone", Cell::Str(phone.clone())),
                ],
            )
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
            fixed[column(repairs, "fault_code")] = Cell::Str(format!("{fault}-1"));
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
                    let mut cells = row(
                        visits,
                        vec![
                            ("visit_id", Cell::Str(format!("V{:09}", self.next_visit))),
                            ("repair_id", Cell::Str(id.clone())),
                            ("visited_at", Cell::DateTime(at)),
                            ("channel", Cell::Code(c.channels.get(channel).copied().unwrap_or("phone"))),
                            ("reached", Cell::Bool(reached)),
                            ("satisfaction", sat.map(Cell::Int).unwrap_or(Cell::Null)),
                            ("complaint", Cell::Bool(complaint)),
                            ("comment", Cell::Str(comment.into())),
                        ],
                    );
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
                let shipped_part = if wrong { format!("{part_no}-B") } else { part_no.clone() };
                let shipment = [
                    ("shipped_at", Cell::Date(shipped)),
                    ("shipped_part_no", Cell::Str(shipped_part)),
                    ("shipped_quantity", Cell::Int(if short { qty - 1 } else { qty }.max(1))),
                ];
                let mut named = vec![
                    ("order_id", Cell::Str(format!("P{:09}", self.next_order))),
                    ("repair_id", Cell::Str(id.clone())),
                    ("station_id", Cell::Str(c.station.id.clone())),
                    ("part_no", Cell::Str(part_no.clone())),
                    ("component", Cell::Code(c.component)),
                    ("quantity", Cell::Int(qty)),
                    ("requested_at", Cell::Date(requested)),
                    ("promised_at", Cell::Date(promised)),
                    ("unit_price", Cell::Money(part_price)),
                    ("old_part_returned", Cell::Bool(agreement::old_part_returned(self.next_order, c.station_index))),
                ];
                if ship {
                    named.extend(shipment);
                }
                row(parts, named)
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
