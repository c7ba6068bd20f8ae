//! `qfb fit FILE [--json] [--confidence C] [--forecast-months K]
//! [--future-units N]`: a Weibull fit and a Kaplan–Meier curve of one
//! life-data file, for an engineer's own data, and the failures its
//! suspended units will bring.

use std::process::ExitCode;

use crate::cli::FitArgs;
use crate::commands::Context;
use crate::error::{read_err, Error, Result};
use crate::life::{self, data, pattern, FitSummary, ForecastAsk, Pattern};

/// Kaplan–Meier rows the table shows; `--json` has them all.
const KM_ROWS: usize = 40;

pub fn run(_ctx: &Context, args: FitArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).map_err(read_err(&args.file))?;
    let data = data::parse(&text).map_err(|problem| Error::LifeData { path: args.file.clone(), problem })?;
    if !(args.future_units.is_finite() && args.future_units >= 0.0) {
        return Err(Error::Usage(format!("--future-units must be 0 or more, not {}", args.future_units)));
    }
    let ask = args.forecast_months.map(|periods| ForecastAsk { periods, new_units: args.future_units });
    let fit = life::summarise(&data, args.confidence, ask)
        .map_err(|problem| Error::Fit { path: args.file.clone(), problem })?;
    if args.json {
        let json = serde_json::to_string_pretty(&fit).expect("a fit serialises");
        crate::say!("{json}");
    } else {
        print_table(&args.file.display().to_string(), &fit);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(file: &str, f: &FitSummary) {
    let pct = f.confidence * 100.0;
    crate::say!(
        "Weibull (2-parameter, maximum likelihood) fit of {file}: {} observations, {} failures; {pct}% bounds\n",
        f.observations,
        f.failures
    );
    crate::say!("{:<16}{:>14}{:>14}{:>14}{:>14}", "parameter", "estimate", "std. error", "lower", "upper");
    crate::say!(
        "{:<16}{:>14.6}{:>14.6}{:>14.6}{:>14.6}",
        "beta (shape)",
        f.beta,
        f.beta_se,
        f.beta_lower,
        f.beta_upper
    );
    crate::say!("{:<16}{:>14.6}{:>14.6}{:>14.6}{:>14.6}", "eta (scale)", f.eta, f.eta_se, f.eta_lower, f.eta_upper);
    crate::say!(
        "\nlog-likelihood {:.6}   AICc {}   BIC {:.4}",
        f.log_likelihood,
        f.aicc.map_or("n/a".into(), |a| format!("{a:.4}")),
        f.bic
    );
    crate::say!("B10 life {:.6}   mean life (MTTF) {:.6}", f.b10, f.mttf);
    let meaning = match pattern(f.beta_lower, f.beta_upper) {
        Pattern::Early => "beta < 1 with confidence: early failures (installation or manufacturing quality)",
        Pattern::WearOut => "beta > 1 with confidence: wear-out",
        Pattern::Random => "beta not distinguishable from 1: random failures",
    };
    crate::say!("{meaning}");
    if let Some(forecast) = &f.forecast {
        crate::say!("\nPredicted failures, cumulative ({pct}% Poisson interval)");
        crate::say!("{:>12}{:>14}{:>14}{:>14}", "ahead", "expected", "lower", "upper");
        for p in forecast {
            crate::say!("{:>12}{:>14.4}{:>14.4}{:>14.4}", p.month_ahead, p.expected, p.lower, p.upper);
        }
    }
    if let Some(km) = &f.kaplan_meier {
        crate::say!("\nKaplan–Meier ({} failure times; Greenwood bounds on the log(-log) scale)", km.len());
        crate::say!(
            "{:>12}{:>10}{:>10}{:>12}{:>12}{:>12}",
            "time",
            "at risk",
            "failures",
            "survival",
            "lower",
            "upper"
        );
        let shown = |b: Option<f64>| b.map_or("n/a".to_string(), |b| format!("{b:.6}"));
        for p in km.iter().take(KM_ROWS) {
            crate::say!(
                "{:>12}{:>10}{:>10}{:>12.6}{:>12}{:>12}",
                p.time,
                p.at_risk,
                p.failures,
                p.survival,
                shown(p.lower),
                shown(p.upper)
            );
        }
        if km.len() > KM_ROWS {
            crate::say!("… {} more failure times (`--json` lists them all)", km.len() - KM_ROWS);
        }
    }
}
