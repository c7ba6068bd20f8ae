//! Life data: the Weibull distribution and the Kaplan–Meier curve of a
//! component's life, and the warranty claims the units sold will bring.
//! `weibull`, `km`, `predict` and `claims` are the arithmetic, `data`
//! reads the files of `qfb fit`, and `summarise` is what `qfb fit` reports
//! for one data set. With the engine, `lake` builds each product line's
//! and component's life data from the lake and fits them, `forecast`
//! forecasts their claims, and `Outputs` writes `out/life/month=M/`.

pub mod claims;
pub mod data;
#[cfg(feature = "engine")]
pub mod forecast;
#[cfg(feature = "engine")]
mod history;
pub mod km;
#[cfg(feature = "engine")]
pub mod lake;
pub mod predict;
pub mod weibull;

use serde::Serialize;

/// Everything `qfb life` makes for a month: the fits and curves, and the
/// forecast built on them.
#[cfg(feature = "engine")]
pub struct Outputs {
    pub life: lake::Life,
    pub forecast: forecast::Forecast,
}

#[cfg(feature = "engine")]
impl Outputs {
    /// Write the five tables to `<out>/life/month=M/`, each atomically.
    pub fn write(&mut self, out: &std::path::Path, month: &crate::month::Month) -> crate::error::Result<()> {
        let dir = out.join("life").join(format!("month={}", month.label));
        crate::lake::remove_leftovers(&dir);
        for (name, df) in [
            ("weibull", &mut self.life.weibull),
            ("kaplan_meier", &mut self.life.kaplan_meier),
            ("forecast", &mut self.forecast.forecast),
            ("nevada", &mut self.forecast.nevada),
            ("forecast_backtest", &mut self.forecast.backtest),
        ] {
            let path = dir.join(format!("{name}.parquet"));
            crate::lake::write_atomic(&path, &crate::lake::frame::parquet_bytes(df)?)?;
        }
        Ok(())
    }

    pub fn summary_line(&self) -> String {
        let total: f64 = self.forecast.cells.iter().filter(|c| c.product_line == "all").map(|c| c.mean).sum();
        format!("{}; forecast: {total:.0} covered claims expected over the horizon", self.life.summary_line())
    }
}

use data::LifeData;
use weibull::{fit, z_two_sided, FitError};

/// `qfb fit --json`: exactly these fields, in this order.
#[derive(Debug, Clone, Serialize)]
pub struct FitSummary {
    pub distribution: &'static str,
    pub observations: u64,
    pub failures: u64,
    pub confidence: f64,
    pub beta: f64,
    pub eta: f64,
    pub beta_se: f64,
    pub eta_se: f64,
    pub beta_lower: f64,
    pub beta_upper: f64,
    pub eta_lower: f64,
    pub eta_upper: f64,
    pub log_likelihood: f64,
    pub aicc: Option<f64>,
    pub bic: f64,
    pub b10: f64,
    pub mttf: f64,
    pub kaplan_meier: Option<Vec<KmPoint>>,
    /// With `--forecast-months`: cumulative predicted failures per period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Vec<predict::Predicted>>,
}

/// What `qfb fit --forecast-months K --future-units N` asks for.
#[derive(Debug, Clone, Copy)]
pub struct ForecastAsk {
    pub periods: u32,
    pub new_units: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct KmPoint {
    pub time: f64,
    pub at_risk: u64,
    pub failures: u64,
    pub survival: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

/// Fit `data` and summarise it at `confidence` (two-sided, in (0, 1)),
/// with the predicted failures of its suspended units when asked.
pub fn summarise(data: &LifeData, confidence: f64, forecast: Option<ForecastAsk>) -> Result<FitSummary, FitError> {
    let f = fit(&data.obs)?;
    let z = z_two_sided(confidence);
    let (b, e) = (f.beta_bounds(z), f.eta_bounds(z));
    let kaplan_meier = data.km_records().map(|records| {
        km::kaplan_meier(&records, z)
            .into_iter()
            .map(|s| KmPoint {
                time: s.time,
                at_risk: s.at_risk as u64,
                failures: s.failures as u64,
                survival: s.survival,
                lower: s.lower,
                upper: s.upper,
            })
            .collect()
    });
    Ok(FitSummary {
        distribution: "weibull_2p",
        observations: f.observations as u64,
        failures: f.failures as u64,
        confidence,
        beta: f.beta,
        eta: f.eta,
        beta_se: f.beta_se(),
        eta_se: f.eta_se(),
        beta_lower: b.lower,
        beta_upper: b.upper,
        eta_lower: e.lower,
        eta_upper: e.upper,
        log_likelihood: f.log_likelihood,
        aicc: f.aicc(),
        bic: f.bic(),
        b10: f.b10(),
        mttf: f.mttf(),
        kaplan_meier,
        forecast: forecast.map(|ask| predict::predict(&f, &data.at_risk(), ask.periods, ask.new_units, confidence)),
    })
}

/// What β says about how a component fails, from its interval: early
/// failures (installation or manufacturing quality) when the whole interval
/// is below 1, wear-out when it is above 1, random otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    Early,
    Random,
    WearOut,
}

pub fn pattern(beta_lower: f64, beta_upper: f64) -> Pattern {
    if beta_upper < 1.0 {
        Pattern::Early
    } else if beta_lower > 1.0 {
        Pattern::WearOut
    } else {
        Pattern::Random
    }
}
