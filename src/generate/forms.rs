//! The monthly quality feedback forms: for M, sent in drop M+1 (a few in
//! M+2), due on the configured day, from each station's tally of quality
//! repairs, with the miscounts and major issues real forms have.

use super::*;

impl Model<'_> {
    /// Monthly forms: for M, in drop M+1 (a few in M+2), due on day `due`.
    pub(super) fn forms(&self, w: &mut Writer<'_, '_>, tally: &[Vec<Vec<u32>>], due: u32) -> Result<()> {
        let opts = self.opts;
        let k = self.k;
        let months = &self.months;
        let components = &self.components;
        let stations = &self.stations;
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
                    let description =
                        if *q > 0 { format!("{q} failures of {} this month", components[*c]) } else { String::new() };
                    let line = row(
                        w.drops.schema("feedback_forms"),
                        vec![
                            ("form_id", Cell::Str(form_id.clone())),
                            ("line_no", Cell::Int(ln as i64 + 1)),
                            ("station_id", Cell::Str(s.id.clone())),
                            ("report_month", Cell::Str(months[m].clone())),
                            ("submitted_at", Cell::Date(submitted)),
                            ("component", Cell::Code(components[*c])),
                            ("quantity", Cell::Int(*q)),
                            ("major_issue", Cell::Bool(*major)),
                            ("description", Cell::Str(description)),
                            ("suggestion", Cell::Str(suggestion.into())),
                        ],
                    );
                    w.drops.write(drop, "feedback_forms", &line)?;
                }
            }
        }
        Ok(())
    }
}
