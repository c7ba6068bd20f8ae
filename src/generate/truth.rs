//! The truth file beside the drops: every parameter the drops were made
//! from, so that tests and studies can check what qfb finds against it.

use super::*;

#[derive(Debug, Serialize)]
pub(super) struct Truth<'a> {
    pub(super) about: &'static str,
    pub(super) options: &'a Options,
    pub(super) months: Vec<String>,
    pub(super) monthly_hazard: Vec<(String, String, f64)>,
    pub(super) early_life: &'static str,
    pub(super) batch_sigma: f64,
    pub(super) non_quality_share: f64,
    pub(super) batches: Vec<BatchTruth>,
    pub(super) planted: &'a [PlantedTruth],
}

#[derive(Debug, Serialize)]
pub(super) struct BatchTruth {
    pub(super) production_batch: String,
    pub(super) product_line: String,
    pub(super) units: u32,
    pub(super) production_date: String,
    /// Hazard factor per component, in catalog order (planted included).
    pub(super) factors: Vec<f64>,
}

#[derive(Debug, Serialize)]
pub(super) struct PlantedTruth {
    pub(super) production_batch: String,
    pub(super) product_line: String,
    pub(super) component: String,
    pub(super) factor: f64,
    pub(super) production_date: String,
    pub(super) units: u32,
}

impl Model<'_> {
    /// The truth file beside the drops.
    pub(super) fn write_truth(&self) -> Result<()> {
        let opts = self.opts;
        let months = &self.months;
        let components = &self.components;
        let lines = &self.lines;
        let batches = &self.batches;
        let base = &self.base;
        let truth = Truth {
            about: "qfb generate: the true parameters behind these drops. Not a drop: never put it inside one.",
            options: opts,
            months: months.clone(),
            monthly_hazard: lines
                .iter()
                .zip(base)
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
            planted: &self.planted,
        };
        let path = opts.out.join("truth.json");
        let json = serde_json::to_vec_pretty(&truth).expect("truth serialises");
        std::fs::write(&path, json).map_err(write_err(&path))
    }
}
