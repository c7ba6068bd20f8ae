//! `qfb metrics --lake DIR --out DIR [--month YYYY-MM | --months A..B]`.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::MetricsArgs;
use crate::commands::Context;
use crate::error::{Error, Result};
use crate::ingest::discover::check_month;
use crate::lake::Lake;
use crate::metrics::{self, Inputs, Month, Past, Tables};

pub fn run(ctx: &Context, args: MetricsArgs) -> Result<ExitCode> {
    let lake = Lake::new(&args.lake);
    let months = match (&args.month, &args.months) {
        (_, Some(range)) => {
            let (a, b) = range.split_once("..").ok_or_else(|| Error::BadMonth { value: range.clone() })?;
            Month::range(&check_month(a)?, &check_month(b)?)?
        }
        (Some(m), None) => vec![check_month(m)?],
        (None, None) => vec![default_month(&lake)?],
    };
    for m in months {
        let (month, _, _) = compute(ctx, &lake, &args.out, &m)?;
        if !ctx.quiet {
            println!(
                "metrics for {}{} written to {}",
                month.label,
                if month.provisional { " (provisional)" } else { "" },
                args.out.join("metrics").join(format!("month={}", month.label)).display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The latest load month of the lake.
pub fn latest_load(lake: &Lake) -> Result<String> {
    lake.manifests()?.last().map(|m| m.load_month.clone()).ok_or_else(|| Error::Lake {
        path: lake.root.clone(),
        message: "the lake has no committed loads; run `qfb ingest` first".into(),
    })
}

/// The default report month: the latest load month minus one.
pub fn default_month(lake: &Lake) -> Result<String> {
    Month::previous(&latest_load(lake)?)
}

/// The report month of `--month`, checked, or the default.
pub fn report_month(lake: &Lake, month: Option<&str>) -> Result<String> {
    match month {
        Some(m) => check_month(m),
        None => default_month(lake),
    }
}

/// Compute and write the tables of `label`; the inputs read are returned
/// for the later stages of the run.
pub fn compute(ctx: &Context, lake: &Lake, out: &Path, label: &str) -> Result<(Month, Inputs, Tables)> {
    let latest = latest_load(lake)?;
    let month = Month::new(label, Some(&latest))?;
    let inputs = metrics::inputs(lake, &ctx.schemas, &ctx.config, &month)?;
    let mut tables = metrics::compute(&inputs, &month, &ctx.config)?;
    metrics::write(out, &month, &mut tables)?;
    Ok((month, inputs, tables))
}

/// The KPI tables of the `n` months before `month`, latest first, from its
/// inputs (so restated). Months before the lake's first load are left out:
/// nothing was loaded for them.
pub fn history(ctx: &Context, lake: &Lake, inputs: &Inputs, month: &Month, n: usize) -> Result<Vec<Past>> {
    let latest = latest_load(lake)?;
    let first = lake.manifests()?.first().map(|m| m.load_month.clone()).unwrap_or_default();
    let mut out = Vec::new();
    let mut label = month.label.clone();
    for _ in 0..n {
        label = Month::previous(&label)?;
        if label < first {
            break;
        }
        let m = Month::new(&label, Some(&latest))?;
        out.push(metrics::past_kpis(&inputs.for_month(lake, &ctx.schemas, &m)?, &m, &ctx.config)?);
    }
    Ok(out)
}
