//! One of every kind of bad row of contract section 2, planted on a
//! deterministic schedule (`--bad-rows`).

use super::out::column;
use super::*;

/// The bad rows of contract section 2, one of each kind, spread over the
/// drops: each replaces one field of the first suitable record written to
/// its (drop, table), or adds a row.
#[derive(Debug, Default)]
pub(super) struct BadRows {
    /// (month, table, column, raw value, done)
    pub(super) plan: Vec<(usize, &'static str, &'static str, &'static str, bool)>,
    /// (month, table, column changed in the superseded copy, done): an
    /// earlier copy of a record under the same key in the same file.
    pub(super) duplicates: Vec<(usize, &'static str, &'static str, bool)>,
}

impl BadRows {
    pub(super) fn plan(k: usize) -> BadRows {
        let kinds: &[(&'static str, &'static str, &'static str)] = &[
            // Rows rejected.
            ("repairs", "repair_id", ""),                   // missing key
            ("repairs", "reported_at", "2026-02-30 10:00"), // impossible required datetime
            ("repairs", "component", "flux_capacitor"),     // unknown component
            ("repairs", "cause", "gremlins"),               // unknown cause
            ("units", "sale_date", "2001-01-01"),           // sale before production
            ("parts", "promised_at", "2001-01-01"),         // promised before requested
            ("parts", "quantity", "0"),                     // quantity 0
            ("visits", "channel", "carrier pigeon"),        // unknown channel
            ("visits", "reached", "maybe"),                 // unparsable required bool
            // Fields nulled.
            ("units", "install_date", "2026-02-30"), // impossible optional date
            ("repairs", "responded_at", "2001-01-01 08:00"), // response before report
            ("repairs", "labor_cost", "12.345"),     // 3-decimal cost
            ("repairs", "parts_cost", "-80"),        // negative cost
            ("visits", "satisfaction", "7"),         // satisfaction out of range
            ("parts", "unit_price", "abc"),          // unparsable optional money
        ];
        let plan = kinds.iter().enumerate().map(|(i, (t, c, v))| ((3 + 2 * i) % k.max(1), *t, *c, *v, false)).collect();
        BadRows {
            plan,
            duplicates: vec![(4 % k.max(1), "repairs", "description", false), (7 % k.max(1), "units", "model", false)],
        }
    }

    pub(super) fn apply(
        &mut self,
        month: usize,
        table: &'static str,
        cells: &mut [Cell],
        drops: &mut Drops<'_>,
    ) -> Result<()> {
        let schema = drops.schema(table);
        for p in self.plan.iter_mut() {
            if p.4 || p.0 != month || p.1 != table {
                continue;
            }
            let i = column(schema, p.2);
            if cells[i] != Cell::Null {
                cells[i] = Cell::Raw(p.3.to_string());
                p.4 = true;
                return Ok(());
            }
        }
        for d in self.duplicates.iter_mut() {
            if !d.3 && d.0 == month && d.1 == table {
                let mut older = cells.to_vec();
                older[column(schema, d.2)] = Cell::Str("superseded draft".into());
                drops.write(month, table, &older)?;
                d.3 = true;
            }
        }
        Ok(())
    }

    /// A file whose last line was cut off mid-field.
    pub(super) fn truncated_line(&self, drops: &mut Drops<'_>, k: usize) -> Result<()> {
        drops.append_raw(k.saturating_sub(3), "visits", "V999999999,R000000001,2026-01-0")
    }
}
