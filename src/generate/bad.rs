//! One of every kind of bad row of contract section 2, planted on a
//! deterministic schedule (`--bad-rows`).

use super::*;

/// The bad rows of contract section 2, one of each kind, spread over the
/// drops: each replaces one field of the first suitable record written to
/// its (drop, table), or adds a row.
#[derive(Debug, Default)]
pub(super) struct BadRows {
    /// (month, table, column index, raw value, done)
    pub(super) plan: Vec<(usize, &'static str, usize, &'static str, bool)>,
    /// (month, table, column changed in the superseded copy, done): an
    /// earlier copy of a record under the same key in the same file.
    pub(super) duplicates: Vec<(usize, &'static str, usize, bool)>,
}

impl BadRows {
    pub(super) fn plan(k: usize) -> BadRows {
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

    pub(super) fn apply(
        &mut self,
        month: usize,
        table: &'static str,
        cells: &mut [Cell],
        drops: &mut Drops<'_>,
    ) -> Result<()> {
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
    pub(super) fn truncated_line(&self, drops: &mut Drops<'_>, k: usize) -> Result<()> {
        drops.append_raw(k.saturating_sub(3), "visits", "V999999999,R000000001,2026-01-0")
    }
}
